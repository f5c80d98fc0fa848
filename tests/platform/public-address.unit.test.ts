// Where a connection made on a member's behalf may go (packages/common/src/public-address.ts):
// public unicast addresses only, judged on the address connected to, loopback only when allowed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressRefused, addressRefusal, publicOnlyAgent } from "@localex/common";

describe("the address check", () => {
  it("refuses loopback, private, link-local, unique-local, multicast and unspecified addresses, however written", () => {
    const refused: Record<string, string> = {
      "127.0.0.1": "loopback",
      "127.5.6.7": "loopback",
      "::1": "loopback",
      "::ffff:127.0.0.1": "loopback",
      "10.1.2.3": "private",
      "172.16.0.1": "private",
      "172.31.255.254": "private",
      "192.168.1.1": "private",
      "::ffff:192.168.1.1": "private",
      "169.254.169.254": "linkLocal",
      "fe80::1": "linkLocal",
      "fc00::1": "uniqueLocal",
      "fd12:3456::1": "uniqueLocal",
      "224.0.0.1": "multicast",
      "ff02::1": "multicast",
      "0.0.0.0": "unspecified",
      "::": "unspecified",
    };
    for (const [address, range] of Object.entries(refused)) expect(addressRefusal(address), address).toBe(range);
  });

  it("refuses the other special ranges too, and IPv4 carried inside IPv6 other than as a mapped address", () => {
    for (const address of ["100.64.0.1", "192.0.2.1", "198.18.0.1", "255.255.255.255", "240.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"]) {
      expect(addressRefusal(address), address).not.toBeNull();
    }
  });

  it("allows a public address (the positive control), and loopback only when allowed, never private ranges", () => {
    for (const address of ["8.8.8.8", "142.250.74.10", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) expect(addressRefusal(address), address).toBeNull();
    expect(addressRefusal("127.0.0.1", { allowLoopback: true })).toBeNull();
    expect(addressRefusal("::1", { allowLoopback: true })).toBeNull();
    expect(addressRefusal("10.0.0.1", { allowLoopback: true })).toBe("private");
    expect(addressRefusal("169.254.169.254", { allowLoopback: true })).toBe("linkLocal");
  });

  it("calls what is not an address so", () => {
    expect(addressRefusal("localhost")).toBe("not an IP address");
  });
});

describe("the public-only agent", () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(204).end());
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("refuses to connect to a loopback address written in the URL or resolved from a name, and nothing reaches the server", async () => {
    const agent = publicOnlyAgent();
    try {
      for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
        const error = await request(url, { dispatcher: agent }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, url).toBeInstanceOf(AddressRefused);
        expect((error as AddressRefused).range).toBe("loopback");
      }
      expect(connections).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it("connects to loopback when allowed (the positive control)", async () => {
    const agent = publicOnlyAgent({ allowLoopback: true });
    try {
      for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
        const { statusCode, body } = await request(url, { dispatcher: agent });
        await body.dump();
        expect(statusCode, url).toBe(204);
      }
      expect(connections).toBeGreaterThan(0);
    } finally {
      await agent.close();
    }
  });
});
