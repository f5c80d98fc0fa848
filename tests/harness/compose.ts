// Reads docker-compose.yml (and the Dockerfile's ENV) as Docker Compose would, and turns each
// application service into the environment of one process on this machine. The rules that
// differ from Docker are few and explicit (COMPOSE_RULES); everything else is the file's own.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What differs from running the file under Docker, in the order applyRules applies it. */
export const COMPOSE_RULES = [
  "`${VAR:?…}`, `${VAR:-default}` and `$$` are interpolated from the test's .env values, as Compose does",
  "an application service listens where the one *PORT variable of its environment says; it gets a free loopback port there instead",
  "a URL naming an application service (http://trades:4003/…) names 127.0.0.1 and that service's loopback port",
  "a URL naming an infrastructure service is replaced by the URL of the test's stand-in for it (postgres, redis, minio, clamav)",
  "an infrastructure service with no stand-in here is switched off by its setting (opensearch: SEARCH_ENGINE=postgres, OPENSEARCH_URL unset; clamav without clamd: CLAMAV_URL unset)",
  "HOST and SUBGRAPH_HOST 0.0.0.0 (every interface of a container) become 127.0.0.1 (this machine is shared)",
  "the process also gets PATH, to find what the image would have",
] as const;

export interface ComposeService {
  name: string;
  /** `pnpm serve <command[0]>`. */
  command: string[];
  environment: Record<string, string>;
  healthcheck?: { test: string[] };
  dependsOn: Record<string, { condition: string }>;
  /** Built from the project's Dockerfile (an application piece), or an image (infrastructure). */
  application: boolean;
}

export interface ComposeFile {
  services: ComposeService[];
  /** The Dockerfile's ENV: every application container starts with it. */
  imageEnvironment: Record<string, string>;
}

type RawService = {
  build?: unknown;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
};

export async function readComposeFile(): Promise<ComposeFile> {
  const raw = parse(await readFile(`${ROOT}/docker-compose.yml`, "utf8"), { merge: true }) as { services: Record<string, RawService> };
  const services = Object.entries(raw.services).map(([name, s]): ComposeService => {
    if (Array.isArray(s.environment)) throw new Error(`${name}: environment as a list is not read here; write it as a mapping`);
    const dependsOn = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: "service_started" }])) : (s.depends_on ?? {});
    return {
      name,
      command: typeof s.command === "string" ? s.command.split(" ") : (s.command ?? []),
      environment: Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? "" : String(v)])),
      healthcheck: s.healthcheck,
      dependsOn,
      application: s.build !== undefined,
    };
  });
  const dockerfile = await readFile(`${ROOT}/Dockerfile`, "utf8");
  const imageEnvironment: Record<string, string> = {};
  for (const line of dockerfile.split("\n").filter((l) => l.startsWith("ENV "))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [key, ...value] = pair.split("=");
      imageEnvironment[key!] = value.join("=");
    }
  }
  return { services, imageEnvironment };
}

/** Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR:?message}` (an error when unset), `$$`. */
export function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([?-])([^}]*))?\}/g, (match, name?: string, kind?: string, rest?: string) => {
    if (match === "$$") return "$";
    const set = dotenv[name!];
    if (set !== undefined && set !== "") return set;
    if (kind === "-") return rest ?? "";
    if (kind === "?") throw new Error(`${name}: ${rest} (docker-compose.yml requires it)`);
    return "";
  });
}

export interface LocalPlan {
  /** Each application service's loopback port. */
  ports: Record<string, number>;
  /** Stand-in URLs for infrastructure services; a service missing here is switched off (COMPOSE_RULES). */
  standIns: Record<string, string>;
  dotenv: Record<string, string>;
}

/** The port variable an application service listens on (its one *PORT variable). */
export function portVariable(service: ComposeService): string {
  const variables = Object.keys(service.environment).filter((k) => /(^|_)PORT$/.test(k));
  if (variables.length !== 1) throw new Error(`${service.name}: expected one *PORT variable, found ${variables.join(", ") || "none"}`);
  return variables[0]!;
}

/** The environment one application service's process gets here (COMPOSE_RULES, in order). */
export function localEnvironment(file: ComposeFile, service: ComposeService, plan: LocalPlan): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...file.imageEnvironment, ...service.environment })) env[key] = interpolate(value, plan.dotenv);
  const containerPorts = new Map(
    file.services.filter((s) => s.application).map((s) => [s.name, interpolate(s.environment[portVariable(s)]!, plan.dotenv)] as const),
  );
  env[portVariable(service)] = String(plan.ports[service.name]);
  for (const [key, value] of Object.entries(env)) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    const url = new URL(value);
    const target = file.services.find((s) => s.name === url.hostname);
    if (!target) continue;
    if (target.application) {
      if (url.port !== containerPorts.get(target.name))
        throw new Error(`${service.name} ${key}: ${target.name} listens on ${containerPorts.get(target.name)}, not ${url.port}`);
      url.hostname = "127.0.0.1";
      url.port = String(plan.ports[target.name]);
      env[key] = url.toString();
    } else if (plan.standIns[target.name]) {
      env[key] = plan.standIns[target.name]!;
    } else {
      delete env[key];
    }
  }
  if (env.SEARCH_ENGINE === "opensearch" && !plan.standIns.opensearch) env.SEARCH_ENGINE = "postgres";
  for (const key of ["HOST", "SUBGRAPH_HOST"]) if (env[key] === "0.0.0.0") env[key] = "127.0.0.1";
  env.PATH = process.env.PATH ?? "";
  return env;
}

/** A service's health check command, with its container port made the process's loopback port. */
export function localHealthcheck(file: ComposeFile, service: ComposeService, plan: LocalPlan): string[] | null {
  const test = service.healthcheck?.test;
  if (!test || test[0] !== "CMD") return null;
  const containerPort = interpolate(service.environment[portVariable(service)]!, plan.dotenv);
  return test.slice(1).map((part) => part.replaceAll(`127.0.0.1:${containerPort}/`, `127.0.0.1:${plan.ports[service.name]}/`));
}
