import { describe, expect, it } from "vitest";
import { ConfigError, DEV_JWT_SECRET, loadConfig } from "@localex/common";

describe("configuration", () => {
  it("runs on development defaults with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 4000, IDENTITY_PORT: 4001, DATA_DIR: ".data", JWT_SECRET: DEV_JWT_SECRET });
  });

  it("refuses development secrets and the embedded database in production, listing every problem", () => {
    try {
      loadConfig({ NODE_ENV: "production" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).toMatch(/JWT_SECRET: the development default is refused in production/);
      expect(message).toMatch(/GATEWAY_SECRET: the development default is refused/);
      expect(message).toMatch(/DATABASE_URL: is required in production/);
    }
  });

  it("names the variable and the bad value", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT: .*"eighty"/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow(/JWT_SECRET: must be at least 32 characters/);
  });

  it("never echoes a secret's value", () => {
    expect(() => loadConfig({ JWT_SECRET: "short-secret" })).toThrow(expect.not.objectContaining({ message: expect.stringContaining("short-secret") }));
  });

  it("accepts the development secrets only in development and test: any other NODE_ENV refuses to start, naming it", () => {
    expect(loadConfig({ NODE_ENV: "test" }).JWT_SECRET).toBe(DEV_JWT_SECRET);
    for (const env of ["staging", "prod", "Production"]) {
      expect(() => loadConfig({ NODE_ENV: env })).toThrow(/NODE_ENV/);
    }
  });

  it("reads each rate limit from RATE_LIMIT_<NAME> as <count>/<seconds>, and refuses anything else", () => {
    expect(loadConfig({ RATE_LIMIT_LOGIN_PER_ADDRESS: "7/60" }).RATE_LIMIT_LOGIN_PER_ADDRESS).toBe("7/60");
    expect(() => loadConfig({ RATE_LIMIT_LOGIN_PER_ADDRESS: "lots" })).toThrow(/RATE_LIMIT_LOGIN_PER_ADDRESS: must be <count>\/<seconds>/);
  });
});
