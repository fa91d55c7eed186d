// A private memory cgroup (cgroup v1 memory controller, as on the test machines, which run as root) for one
// process: the limit a container's memory limit sets, and what the kernel counted: the peak usage, how often the
// limit was hit and how many processes the OOM killer killed. The process joins the cgroup before it execs, so
// all of its memory is counted; the cgroup is removed once the process has exited.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const MEMORY_CGROUP_ROOT = "/sys/fs/cgroup/memory";

export interface MemoryStats {
  /** memory.max_usage_in_bytes: the peak charged to the cgroup. */
  peakBytes: number;
  /** memory.failcnt: how often usage hit the limit (the kernel then reclaimed, or killed). */
  failcnt: number;
  /** oom_kill in memory.oom_control: processes killed by the OOM killer in this cgroup. */
  oomKills: number;
}

export class MemoryCgroup {
  private constructor(readonly path: string) {}

  /** Creates the cgroup with `limitBytes` for memory and memory + swap. Throws naming the fix when not possible. */
  static create(prefix: string, limitBytes: number): MemoryCgroup {
    if (!existsSync(join(MEMORY_CGROUP_ROOT, "memory.limit_in_bytes"))) {
      throw new Error(`no cgroup v1 memory controller at ${MEMORY_CGROUP_ROOT}: the memory tests need one (and root to create cgroups)`);
    }
    const path = join(MEMORY_CGROUP_ROOT, `${prefix}-${process.pid}-${randomBytes(3).toString("hex")}`);
    mkdirSync(path);
    const group = new MemoryCgroup(path);
    try {
      group.write("memory.limit_in_bytes", String(limitBytes));
      // Without swap limited too, a limited process could page out instead of being OOM-killed.
      if (existsSync(join(path, "memory.memsw.limit_in_bytes"))) group.write("memory.memsw.limit_in_bytes", String(limitBytes));
    } catch (err) {
      group.remove();
      throw err;
    }
    return group;
  }

  /** `command args` rewritten so that the process moves itself into this cgroup, then execs the command. */
  wrap(command: string, args: string[]): { command: string; args: string[] } {
    return { command: "/bin/sh", args: ["-c", `echo $$ > ${join(this.path, "cgroup.procs")} && exec "$0" "$@"`, command, ...args] };
  }

  stats(): MemoryStats {
    const oom = /^oom_kill (\d+)$/m.exec(this.read("memory.oom_control"))?.[1];
    return { peakBytes: Number(this.read("memory.max_usage_in_bytes")), failcnt: Number(this.read("memory.failcnt")), oomKills: Number(oom ?? 0) };
  }

  /** Removes the cgroup; waits (bounded) for the kernel to let go of processes that just exited. */
  async removeWhenEmpty(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (this.read("cgroup.procs").trim() === "") break;
      await sleep(100);
    }
    this.remove();
  }

  private remove(): void {
    try {
      rmdirSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  private read(file: string): string {
    return readFileSync(join(this.path, file), "utf8");
  }

  private write(file: string, value: string): void {
    writeFileSync(join(this.path, file), value);
  }
}
