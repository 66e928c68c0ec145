/**
 * What the plugin adds to a Medusa boot: the time to require() its built server code in a fresh Node process that
 * has already loaded what Medusa itself loads before any plugin.
 *
 *   npm run build && npm run bench:boot          (RUNS=15 by default)
 *
 * Each run is a fresh `node` process that first requires the Medusa packages the plugin imports (Medusa has loaded
 * them itself by the time it reaches plugins), then times require() of every file Medusa can load from the built
 * plugin (.medusa/server/src: provider, module, API routes and middlewares, subscribers, jobs, workflows; not the
 * admin bundle, type entries or migrations). The baseline run does the same and requires nothing. Runs alternate;
 * medians are reported. The whole process's wall time is printed as a cross-check only: Medusa's own packages make
 * it about 3 s with a spread larger than the plugin's cost. `medusa start` with and without the
 * plugin was not used: its run-to-run spread (seconds) is larger than the cost being measured.
 *
 * Prints; asserts nothing about time. The target: at most 50 ms.
 */
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { loadSampler, machineInfo, median, percentile } from "./common"

const RUNS = Number(process.env.RUNS ?? 15)
const ROOT = path.join(__dirname, "..")
const BUILT = path.join(ROOT, ".medusa/server/src")

/**
 * What Medusa has loaded (and run, so V8 has compiled it) before it loads a plugin: the framework packages the
 * plugin imports, Medusa's own API middlewares (every core route's validators), its core flows, and the payment and
 * order modules (DML models and MedusaService, as the plugin's module uses them).
 */
const MEDUSA_PRELOAD = [
  "@medusajs/framework/utils",
  "@medusajs/framework/workflows-sdk",
  "@medusajs/framework/orchestration",
  "@medusajs/framework/http",
  "@medusajs/framework/zod",
  "@medusajs/medusa/core-flows",
  "@medusajs/medusa/api/middlewares",
  "@medusajs/payment",
  "@medusajs/order",
]

function jsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  const out: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...jsFiles(full))
    else if (entry.name.endsWith(".js")) out.push(full)
  }
  return out
}

/**
 * What Medusa's loaders require of a plugin at boot (node_modules/@medusajs/framework/dist/utils/resource-loader.js
 * and the module loader): each module's and provider's index; every non-index file under workflows, subscribers,
 * jobs and links; the API's middlewares and route files. Files these import come along; files loaded on first use
 * (the gateway answers' schemas, axios) do not.
 */
function pluginFiles(dir: string): string[] {
  const indexes = ["modules", "providers"].flatMap((kind) =>
    fs.existsSync(path.join(dir, kind))
      ? fs.readdirSync(path.join(dir, kind)).map((name) => path.join(dir, kind, name, "index.js")).filter((f) => fs.existsSync(f))
      : []
  )
  const resources = ["workflows", "subscribers", "jobs", "links"].flatMap((kind) =>
    jsFiles(path.join(dir, kind)).filter((f) => path.basename(f) !== "index.js")
  )
  const api = jsFiles(path.join(dir, "api")).filter((f) => ["route.js", "middlewares.js"].includes(path.basename(f)))
  return [...indexes, ...resources, ...api].sort()
}

/** The child: preload Medusa's packages, then time require() of `files` (none for the baseline). */
const CHILD = `
const preload = JSON.parse(process.env.PRELOAD)
const files = JSON.parse(process.env.FILES)
for (const id of preload) require(id)
const t = process.hrtime.bigint()
for (const file of files) require(file)
const ms = Number(process.hrtime.bigint() - t) / 1e6
process.stdout.write(JSON.stringify({ ms, modules: Object.keys(require.cache).length }))
`

function run(files: string[]) {
  const started = process.hrtime.bigint()
  const child = spawnSync(process.execPath, ["-e", CHILD], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", PRELOAD: JSON.stringify(MEDUSA_PRELOAD), FILES: JSON.stringify(files) },
    encoding: "utf8",
  })
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  if (child.status !== 0) throw new Error(`node exited with ${child.status}: ${child.stderr}`)
  const { ms, modules } = JSON.parse(child.stdout) as { ms: number; modules: number }
  return { ms, wallMs, modules }
}

function main() {
  if (!fs.existsSync(path.join(BUILT, "providers/paymentoptions/index.js"))) {
    console.error("No built plugin in .medusa/server: run `npm run build` first.")
    process.exit(1)
  }
  const files = pluginFiles(BUILT)
  console.log("plugin boot cost (require() of the built plugin after Medusa's own packages)")
  for (const line of machineInfo()) console.log(`  ${line}`)
  const load = loadSampler(2000)
  console.log(`  ${files.length} files from ${path.relative(ROOT, BUILT)} (what Medusa's loaders require: module and provider indexes, workflows, subscribers, jobs, links, API routes and middlewares)`)
  console.log(`  preloaded in both runs: ${MEDUSA_PRELOAD.join(", ")}`)
  run(files) // file-system cache warm-up, not counted
  run([])
  const plugin: ReturnType<typeof run>[] = []
  const baseline: ReturnType<typeof run>[] = []
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      plugin.push(run(files))
      baseline.push(run([]))
    } else {
      baseline.push(run([]))
      plugin.push(run(files))
    }
  }
  const requireMs = plugin.map((r) => r.ms)
  const wallDiff = median(plugin.map((r) => r.wallMs)) - median(baseline.map((r) => r.wallMs))
  console.log("")
  console.log(`${RUNS} runs each, alternating:`)
  console.log(`  require() of the plugin: median ${median(requireMs).toFixed(1)} ms, p95 ${percentile(requireMs, 95).toFixed(1)} ms, min ${Math.min(...requireMs).toFixed(1)} ms ` +
    `(baseline requires nothing: ${median(baseline.map((r) => r.ms)).toFixed(2)} ms); ${plugin[0].modules - baseline[0].modules} modules more`)
  const spread = (runs: typeof plugin) => `${percentile(runs.map((r) => r.wallMs), 25).toFixed(0)}-${percentile(runs.map((r) => r.wallMs), 75).toFixed(0)} ms`
  console.log(`  cross-check, whole process wall time (mostly Medusa's own packages): plugin median ${median(plugin.map((r) => r.wallMs)).toFixed(0)} ms ` +
    `(quartiles ${spread(plugin)}), baseline ${median(baseline.map((r) => r.wallMs)).toFixed(0)} ms (${spread(baseline)}); ` +
    `difference ${wallDiff.toFixed(0)} ms, within the run-to-run spread, so not the figure to use`)
  console.log(`  target (issue 9): <= 50 ms`)
  console.log("")
  console.log(load.stop())
}

main()
