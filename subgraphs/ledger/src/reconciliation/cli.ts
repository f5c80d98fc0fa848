// `pnpm ledger:reconcile`: recomputes every balance and held amount from the postings and
// holds on DATABASE_URL and prints any difference; exits 1 if there is one, 2 if it cannot run.
import { connect, loadConfig } from "@localex/common";
import { ReconciliationService } from "./reconciliation.service.ts";

const config = loadConfig(process.env, "operator");
if (!config.database.url) {
  console.error("ledger:reconcile needs DATABASE_URL (the database the ledger runs on).");
  process.exit(2);
}
const sql = connect(config.database.url, { max: 1, applicationName: "localex-ledger-reconcile" });
try {
  const report = await new ReconciliationService(sql).reconcile();
  console.log(`accounts checked: ${report.accountsChecked}`);
  console.log(`unbalanced transfers: ${report.transfersUnbalanced}`);
  for (const d of report.differences) {
    console.log(`account ${d.accountId}: ${d.field} cached ${d.cached}, recomputed ${d.recomputed}`);
  }
  const clean = report.differences.length === 0 && report.transfersUnbalanced === 0;
  console.log(clean ? "the books balance" : `${report.differences.length} difference(s) found`);
  process.exitCode = clean ? 0 : 1;
} catch (error) {
  console.error(`ledger:reconcile could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  await sql.end({ timeout: 5 });
}
