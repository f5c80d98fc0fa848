// `pnpm admin grant <email>` / `pnpm admin revoke <email>`: the operator's way to make (or unmake)
// an admin, straight on the database; registering never makes one. `pnpm admin resume-deletions`:
// every account deletion not finished, queued again. Exits 0 when done (or when there was nothing
// to change), 1 when refused (no such member, the last admin), 2 when it cannot run (usage,
// configuration, database).
import { loadConfig, type PieceConfig } from "@localex/common";
import { resumeDeletionsOn } from "@localex/identity/deletions";
import { setRoleOn } from "@localex/identity/roles";
import { embeddedPostgresUrl } from "./embedded-postgres.ts";

const HELP = `Usage: pnpm admin <grant|revoke> <email> [--reason <text>] [--force]
       pnpm admin resume-deletions

  grant <email>     make the member with this email an admin
  revoke <email>    make them an ordinary member again; refused for the last admin
                    unless --force (which leaves the exchange with no admin at all)
  --reason <text>   why, kept with the change in the admin audit log (which names the
                    operator's login and host as the actor: there is no admin user here)
  resume-deletions  list every account deletion not finished (what remains of it, its last
                    error) and queue its job again, to run now from the step not yet done
                    (the hourly sweep does the same for those over a quarter of an hour old)

The member must have registered already. A change ends their sessions: their refresh tokens
are revoked at once, so they sign in again to act with the new role; an access token they
already hold still works until it expires (ACCESS_TOKEN_TTL_SECONDS), except for the admin
actions that check the stored role (granting roles and credits, resolving disputes, the
verification queue and members' documents). The grantAdmin / revokeAdmin mutations also tell
every gateway at once, so use those to cut off an admin everywhere now.

Database: DATABASE_URL, as the graph uses it. Without DATABASE_URL (the embedded default of
\`pnpm start\`), the embedded PostgreSQL under DATA_DIR on 127.0.0.1:EMBEDDED_POSTGRES_PORT
(54329 by default) is used: it runs only while \`pnpm start\` does, so keep that running in
another terminal, from the same directory and with the same DATA_DIR / EMBEDDED_POSTGRES_PORT.
Admins can also grant and revoke the role to each other with the grantAdmin / revokeAdmin
mutations.`;

const argv = process.argv.slice(2);
const reasonAt = argv.indexOf("--reason");
const reason = reasonAt >= 0 ? (argv[reasonAt + 1] ?? "") : null;
const args = reasonAt >= 0 ? [...argv.slice(0, reasonAt), ...argv.slice(reasonAt + 2)] : argv;
const force = args.includes("--force");
const [command, email, ...rest] = args.filter((a) => a !== "--force");
if (command === "help" || args.includes("--help") || args.includes("-h")) {
  console.log(HELP);
  process.exit(0);
}
const resuming = command === "resume-deletions" && !email && !force;
if (
  (resuming && reason !== null) ||
  (!resuming && ((command !== "grant" && command !== "revoke") || !email || rest.length > 0 || (force && command !== "revoke") || reason === ""))
) {
  console.error(HELP);
  process.exit(2);
}

let config: PieceConfig<"operator">;
try {
  config = loadConfig(process.env, "operator");
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
// In production the configuration requires DATABASE_URL (the database identity runs on).
const embedded = !config.database.url;
const url = config.database.url ?? embeddedPostgresUrl(config.database.embeddedPort);

async function changeRole(email: string): Promise<void> {
  const outcome = await setRoleOn(url, { email }, command === "grant" ? "admin" : "user", { allowNoAdmins: force, reason });
  if (!outcome.ok) {
    console.error(`refused: ${outcome.message}`);
    process.exitCode = 1;
    return;
  }
  const { user, changed, endedSessions } = outcome.value;
  if (!changed) {
    console.log(`${user.email} is already ${command === "grant" ? "an admin" : "not an admin"}; nothing changed.`);
  } else {
    console.log(
      command === "grant"
        ? `${user.email} is now an admin (their ${endedSessions.length} session(s) ended: the role comes with their next sign-in).`
        : `${user.email} is no longer an admin (their ${endedSessions.length} session(s) ended; an access token they hold expires within ${config.sessions.accessTokenTtlSeconds} s).`,
    );
  }
}

try {
  if (resuming) {
    const deletions = await resumeDeletionsOn(url);
    for (const d of deletions) {
      console.log(`${d.userId}  requested ${d.requestedAt.toISOString()}  remaining: ${d.remaining.join(", ")}  last error: ${d.lastError ?? "none"}`);
    }
    console.log(
      deletions.length === 0
        ? "Every account deletion has finished; nothing to resume."
        : `${deletions.length} deletion(s) queued again; identity's worker runs them now.`,
    );
  } else {
    await changeRole(email!);
  }
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  console.error(`pnpm admin could not run: ${detail}`);
  if (embedded) {
    console.error(
      `No DATABASE_URL is set, so it tried the embedded PostgreSQL on 127.0.0.1:${config.database.embeddedPort}: is \`pnpm start\` running (same DATA_DIR and EMBEDDED_POSTGRES_PORT)? Or set DATABASE_URL.`,
    );
  }
  process.exitCode = 2;
}
