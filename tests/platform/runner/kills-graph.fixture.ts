// The graph under test dies mid-run (SIGKILL, as the OOM killer would) and this test still
// passes: only the harness can see the crash, and the run must fail for it.
import { inject, it } from "vitest";
import { eventually } from "../../harness/eventually.ts";

it("passes after the graph it ran against was killed", async () => {
  const pid = inject("stackPid");
  process.kill(pid, "SIGKILL");
  // Gone once signal 0 can no longer reach it.
  const alive = () => {
    try {
      return process.kill(pid, 0);
    } catch {
      return false;
    }
  };
  await eventually(
    `the graph (pid ${pid}) gone`,
    async () => alive(),
    (running) => !running,
    10_000,
  );
});
