import { AddressInfo, createServer, Server } from "node:net";
import { API_PORT_ENV, CLOUD_PORT_ENV } from "../../../../app/contract/ports";
import { explainTakenPort } from "../../../../tools/local-cloud";

/** What a command says when its port is taken: a real second listen on loopback. */
describe("a taken port", () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  /** The error Node gives a second listen on the port. */
  const listenError = () =>
    new Promise<unknown>((resolve) => {
      const second = createServer();
      second.once("error", resolve);
      second.listen(port, "127.0.0.1");
    });

  test("is one line naming the port and the flag and variable that choose another", async () => {
    const explained = explainTakenPort(await listenError(), [{ port, flag: "api-port", env: API_PORT_ENV }]) as Error;
    expect(explained.message).toMatch(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is taken \\(another npm run local:up or npm run dev\\? see \\S*cloud\\.json\\): choose another with --api-port <port> or API_AUTH_COGNITO_API_PORT=<port> \\(0: any free port\\)$`));
  });

  test("other errors, and ports that are not the command's, pass unchanged", async () => {
    const error = await listenError();
    expect(explainTakenPort(error, [{ port: port + 1, flag: "port", env: CLOUD_PORT_ENV }])).toBe(error);
    const other = new Error("boom");
    expect(explainTakenPort(other, [{ port, flag: "port", env: CLOUD_PORT_ENV }])).toBe(other);
  });
});
