import type { CognitoUserPoolEmailConfiguration } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { Token } from "cdktf";
import { quoted, REGION_PATTERN, ValidationError } from "./validation";

/**
 * A user pool's email sender through your own Amazon SES identity (Cognito's `DEVELOPER` sending account), instead of
 * Cognito's built-in sender (`COGNITO_DEFAULT`), which sends at most 50 messages a day for all the account's user
 * pools together (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html). With SES the pool's
 * messages count against the SES sending quota of the identity's account and region, and cost what SES charges.
 *
 * Before the first deploy, the identity must be verified in SES, that account must be out of the SES sandbox (in
 * the sandbox, SES sends only to verified addresses), and whoever deploys needs `iam:CreateServiceLinkedRole`: Cognito
 * creates its service-linked role to call SES (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html).
 */
export interface UserPoolEmail {
  /**
   * ARN of the verified SES identity, an email address or a domain: `arn:aws:ses:<region>:<account>:identity/<email
   * or domain>`. It must be in the user pool's own account, and in the pool's region or, for pools in most regions,
   * us-east-1, us-west-2 or eu-west-1 ("Amazon SES email configuration Regions" in the Cognito Developer Guide).
   */
  readonly sesIdentityArn: string;
  /**
   * The sender: an address of that identity (the identity itself, or an address in its domain), alone or with a
   * name: `no-reply@example.com` or `Example <no-reply@example.com>`.
   */
  readonly from: string;
  /** Where your users' replies go. @default the `from` address */
  readonly replyTo?: string;
  /** Name of an SES configuration set to send with, for event publishing or a dedicated IP pool. @default none */
  readonly configurationSet?: string;
}

/** What an SES identity ARN is made of. */
interface SesIdentity {
  readonly region: string;
  readonly account: string;
  /** The verified email address or domain. */
  readonly identity: string;
}

/** SES identity ARNs: partition, region, account and the identity (an email address or a domain). */
const SES_IDENTITY_ARN = /^arn:aws(?:-[a-z]+)*:ses:([a-z0-9-]+):(\d{12}):identity\/(.+)$/;

/** An email address as Cognito and SES take it: no spaces, no angle brackets, one `@`, a domain with a dot. */
const EMAIL_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$/;

/** A domain name of at least two labels. */
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** A sender with a name: `Example <no-reply@example.com>`; the name holds no control character (a CR LF would start a header of its own). */
const NAMED_SENDER = /^([^<>\u0000-\u001f\u007f]*[^<>\s\u0000-\u001f\u007f]) *<([^<>]+)>$/;

/** SES configuration set names, as Cognito's EmailConfigurationType allows them. */
const CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;

/** The parts of an SES identity ARN; throws a {@link ValidationError} naming it and the expected shape. */
export function parseSesIdentityArn(arn: string, what = "SES identity ARN"): SesIdentity {
  const match = SES_IDENTITY_ARN.exec(arn);
  const [region, account, identity] = match ? match.slice(1) : [];
  if (!match || !REGION_PATTERN.test(region) || !(EMAIL_ADDRESS.test(identity) || DOMAIN.test(identity))) {
    throw new ValidationError(
      `invalid ${what} ${quoted(arn)}: expected arn:<partition>:ses:<region>:<12-digit account>:identity/<email address or domain>, such as arn:aws:ses:eu-west-1:123456789012:identity/example.com`,
    );
  }
  return { region, account, identity };
}

/** The address of a sender, `no-reply@example.com` or `Example <no-reply@example.com>`; throws a {@link ValidationError} otherwise. */
export function senderAddress(from: string, what = "email sender"): string {
  const address = NAMED_SENDER.exec(from)?.[2] ?? from;
  if (!EMAIL_ADDRESS.test(address)) {
    throw new ValidationError(`invalid ${what} ${quoted(from)}: expected an email address or a name and address, such as no-reply@example.com or Example <no-reply@example.com>`);
  }
  return address;
}

/**
 * Throws a {@link ValidationError} unless `from` is an address of the SES identity `arn`: the identity's own address,
 * or an address in its domain or a subdomain of it. Both must be valid (see {@link parseSesIdentityArn}, {@link senderAddress}).
 */
export function assertSenderOfIdentity(from: string, arn: string): void {
  const address = senderAddress(from).toLowerCase();
  const identity = parseSesIdentityArn(arn).identity.toLowerCase();
  const domain = address.slice(address.lastIndexOf("@") + 1);
  const fits = identity.includes("@") ? address === identity : domain === identity || domain.endsWith(`.${identity}`);
  if (!fits) {
    throw new ValidationError(
      `email sender ${quoted(from)} is not an address of the SES identity ${identity}: Cognito sends only from the identity's own address, or from an address in its domain`,
    );
  }
}

/**
 * Checks `email` (values that are still tokens pass unchecked) and returns the user pool's `email_configuration` for
 * it: SES's `DEVELOPER` sending account with the identity, sender, reply-to address and configuration set.
 */
export function userPoolEmailConfiguration(email: UserPoolEmail): CognitoUserPoolEmailConfiguration {
  const literal = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);
  if (literal(email.sesIdentityArn)) parseSesIdentityArn(email.sesIdentityArn);
  if (literal(email.from)) senderAddress(email.from);
  if (literal(email.sesIdentityArn) && literal(email.from)) assertSenderOfIdentity(email.from, email.sesIdentityArn);
  if (literal(email.replyTo) && !EMAIL_ADDRESS.test(email.replyTo)) {
    throw new ValidationError(`invalid reply-to address ${quoted(email.replyTo)}: expected an email address such as support@example.com`);
  }
  if (literal(email.configurationSet) && !CONFIGURATION_SET.test(email.configurationSet)) {
    throw new ValidationError(`invalid SES configuration set ${quoted(email.configurationSet)}: expected 1 to 64 letters, digits, hyphens and underscores`);
  }
  return {
    emailSendingAccount: "DEVELOPER",
    sourceArn: email.sesIdentityArn,
    fromEmailAddress: email.from,
    replyToEmailAddress: email.replyTo,
    configurationSet: email.configurationSet,
  };
}

/** SES regions whose identities Cognito user pools of most other regions may send with (Cognito's early requirement). */
export const ALTERNATE_SES_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;

/**
 * Throws a {@link ValidationError} when the SES identity `arn` cannot serve a user pool in `pool.region` (and, when
 * known, `pool.account`): Cognito sends with an identity of the pool's own account, in the pool's region or one of
 * {@link ALTERNATE_SES_REGIONS}. Passing is necessary, not sufficient: a few regions allow only their own
 * (see "Amazon SES email configuration Regions" in the Cognito Developer Guide).
 */
export function assertIdentityServes(arn: string, pool: { readonly region: string; readonly account?: string }, what: string): void {
  const { region, account, identity } = parseSesIdentityArn(arn);
  if (region !== pool.region && !(ALTERNATE_SES_REGIONS as readonly string[]).includes(region)) {
    throw new ValidationError(
      `SES identity ${identity} of ${what} is in ${region}, but its user pool is in ${pool.region}: Cognito sends with SES in the pool's own region or, from most regions, in ${ALTERNATE_SES_REGIONS.join(", ")}`,
    );
  }
  if (pool.account !== undefined && account !== pool.account) {
    throw new ValidationError(
      `SES identity ${identity} of ${what} is in account ${account}, but its user pool is in account ${pool.account}: Cognito sends only with SES identities of the pool's own account`,
    );
  }
}
