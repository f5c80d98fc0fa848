// The graph under test dies mid-run (SIGKILL, as the OOM killer would) and this test still
// passes: only the harness can see the crash, and the run must fail for it.
import { expect, inject, it } from "vitest";

it("passes after the graph it ran against was killed", async () => {
  const pid = inject("stackPid");
  process.kill(pid, "SIGKILL");
  // Gone once signal 0 can no longer reach it.
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  expect.unreachable(`the graph (pid ${pid}) is still running`);
});
