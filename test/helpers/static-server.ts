import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback server answering fixed files by path, standing in for a customer's image host. */
export async function serveFiles(
  files: Record<string, { body: Buffer; type: string }>,
): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const file = files[req.url ?? ""];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { "content-type": file.type, "content-length": String(file.body.length) })
      .end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
