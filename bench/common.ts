/** Helpers shared by the benchmarks (bench/*.bench.ts): statistics, machine facts, the sandbox in its own process. */
import { ChildProcess, spawn } from "node:child_process"
import os from "node:os"
import path from "node:path"
import axios from "axios"
import { getFreePort } from "../scripts/postgres"

export function sorted(values: number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[]
}

export function median(values: number[]): number {
  const s = sorted(values)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const s = sorted(values)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export const ms = (v: number, digits = 3) => `${v.toFixed(digits)} ms`

/** Milliseconds since `start` (a process.hrtime.bigint()). */
export const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6

/** One line each: what this was measured on, so a number is never read without its machine. */
export function machineInfo(): string[] {
  const cpus = os.cpus()
  return [
    `node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.release()} ${os.arch()}`,
    `${cpus.length} CPU${cpus.length === 1 ? "" : "s"}: ${cpus[0]?.model ?? "unknown"}; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `load average at start (1/5/15 min): ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")}`,
  ]
}

/** Samples the 1-minute load average while a benchmark runs (other processes on the machine skew timings). */
export function loadSampler(everyMs = 5000) {
  const samples: number[] = [os.loadavg()[0]]
  const timer = setInterval(() => samples.push(os.loadavg()[0]), everyMs)
  timer.unref()
  return {
    stop(): string {
      clearInterval(timer)
      samples.push(os.loadavg()[0])
      return `1-minute load average during the run: min ${Math.min(...samples).toFixed(2)}, max ${Math.max(...samples).toFixed(2)} (${os.cpus().length} CPUs)`
    },
  }
}

/** Starts `sandbox/cli.ts` in a child process (as a real gateway is another process) and waits until it answers. */
export async function startSandboxProcess(): Promise<{ url: string; child: ChildProcess }> {
  const port = await getFreePort()
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "../sandbox/cli.ts")], {
    env: { ...process.env, PORT: String(port), SANDBOX_QUIET: "1", NODE_OPTIONS: "" },
    stdio: "ignore",
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    try {
      await axios.get(`${url}/__sandbox/config`, { timeout: 500 })
      return { url, child }
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  child.kill()
  throw new Error("the sandbox did not start")
}

/** Runs `task` for every item with at most `limit` in flight. */
export async function inBatches<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await task(items[i], i)
      }
    })
  )
  return out
}
