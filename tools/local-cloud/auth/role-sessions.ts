import type { KeptStore } from "../state/kept-store";
import { temporaryKeys } from "./temporary-keys";

/**
 * Temporary credentials of an IAM role, minted by the local cloud as STS `AssumeRole` would (and as Lambda gives its
 * handlers the credentials of their function's execution role): an `ASIA…` key, a secret, a session token and an
 * expiration. The front recognises them when a request is signed with them, and authorizes it against the role's
 * identity policies.
 */

/** How long a session lasts: `AssumeRole`'s default `DurationSeconds`, 3600. */
export const ROLE_SESSION_LIFETIME_MS = 60 * 60 * 1000;

/** `arn:<partition>:iam::<account>:role[/path/]<name>`, as IAM documents role ARNs. */
const ROLE_ARN = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

/** `RoleSessionName` as STS documents it: 2 to 64 of `[\w+=,.@-]`. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** What a program is given to sign requests with, as the `AWS_ACCESS_KEY_ID`, `..._SECRET_...` and `..._SESSION_TOKEN` variables. */
export interface RoleCredentials {
  /** `ASIA` and 16 upper-case letters and digits, like STS's temporary keys. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Whole seconds, as STS reports it. */
  readonly expiration: Date;
}

/** A session the local cloud issued, and who it stands for. */
export interface RoleSession extends RoleCredentials {
  /** The role, `arn:aws:iam::<account>:role/<name>`. */
  readonly roleArn: string;
  readonly roleName: string;
  readonly accountId: string;
  readonly sessionName: string;
  /** The caller as IAM and `GetCallerIdentity` name it: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly assumedRoleArn: string;
}

/** Options of {@link RoleSessionStore}. */
export interface RoleSessionStoreOptions {
  /** The clock, in milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Called after each session it issues (the cloud saves its state then). @default none */
  readonly onIssue?: () => void;
}

/** The role sessions of one local cloud, in memory. */
export class RoleSessionStore implements KeptStore<RoleSession[]> {
  private readonly now: () => number;
  private readonly sessions = new Map<string, RoleSession>();
  private readonly onIssue: (() => void) | undefined;

  constructor(options: RoleSessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.onIssue = options.onIssue;
  }

  /**
   * Mints credentials for `roleArn` with the session name `sessionName` (for a Lambda function, its name). Throws on
   * a malformed role ARN or session name; the role need not exist yet (an unknown role is denied everything).
   */
  issue(roleArn: string, sessionName: string): RoleCredentials {
    const role = ROLE_ARN.exec(roleArn);
    if (!role) throw new Error(`invalid role ARN "${roleArn}": expected arn:aws:iam::<12-digit account>:role/<name>`);
    if (!SESSION_NAME.test(sessionName)) {
      throw new Error(`invalid role session name "${sessionName}": expected 2 to 64 letters, digits or any of _+=,.@-`);
    }
    const [, partition, accountId, roleName] = role;
    const session: RoleSession = {
      ...temporaryKeys((id) => this.sessions.has(id)),
      expiration: new Date(Math.floor((this.now() + ROLE_SESSION_LIFETIME_MS) / 1000) * 1000),
      roleArn,
      roleName,
      accountId,
      sessionName,
      assumedRoleArn: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
    };
    this.sessions.set(session.accessKeyId, session);
    this.onIssue?.();
    const { accessKeyId, secretAccessKey, sessionToken, expiration } = session;
    return { accessKeyId, secretAccessKey, sessionToken, expiration };
  }

  /** The session with this access key id, also once expired; `undefined` for a key this store never minted. */
  session(accessKeyId: string): RoleSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  save(): RoleSession[] {
    return [...this.sessions.values()];
  }

  restore(saved: RoleSession[]): void {
    this.sessions.clear();
    for (const session of saved) this.sessions.set(session.accessKeyId, session);
  }
}
