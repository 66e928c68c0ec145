/**
 * `npm run demo`: an end-to-end run of this plugin inside a REAL Medusa server, with nothing
 * installed on the machine beyond `npm install`:
 *
 *   1. embedded PostgreSQL (scripts/postgres.ts) on a free port, plus a fresh database
 *   2. the bundled PaymentOptions sandbox gateway (sandbox/) on a random port
 *   3. `medusa db:migrate`, `medusa user`, `medusa start` as child processes (repo root,
 *      ./medusa-config.ts, provider loaded from ./src/providers/paymentoptions via ts-node)
 *   4. over HTTP: seed a JPY store (¥5,000 product), check out through the sandbox's hosted
 *      payment page, capture, refund ¥1,200 then ¥800 through POST /admin/payments/:id/refund
 *   5. print the order, the payment's captures/refunds and payment.data
 *
 * Everything started here is stopped again, also on failure. Medusa's output goes to
 * .tmp/demo-medusa.log.
 *
 * `npm run demo -- --serve [--port <n>]`: the same, then Medusa keeps running WITH its admin dashboard
 * (medusa-config.ts enables the admin when PO_ADMIN=1; `medusa start` with NODE_ENV=development serves
 * it through Vite's dev middleware, so no `medusa build` is needed), and the demo prints the admin URL,
 * the login and the order's page, where the plugin's refund-history widget shows the two refunds and
 * Refund adds more. Ctrl-C stops Medusa, the sandbox and PostgreSQL.
 */
import axios from "axios"
import { spawn, ChildProcess } from "child_process"
import { createWriteStream, mkdirSync, WriteStream } from "fs"
import { join, resolve } from "path"
import { startSandbox } from "../sandbox"
import {
  adminHeaders,
  capture,
  checkoutWithHostedPage,
  getOrderPayment,
  getPayment,
  refund,
  seedStore,
} from "../integration-tests/helpers/store-flow"
import { getFreePort, startPostgres } from "./postgres"

const ROOT = resolve(__dirname, "..")
const TMP = join(ROOT, ".tmp")
const MEDUSA_LOG = join(TMP, "demo-medusa.log")
const MEDUSA_BIN = join(ROOT, "node_modules", "@medusajs", "cli", "cli.js")
const ADMIN = { email: "admin@demo.local", password: "demo-password" }
const ADMIN_PATH = "/app"
const UNIT_PRICE = 5000
const REFUNDS = [1200, 800]

function parseArgs(argv: string[]): { serve: boolean; port?: number } {
  const out: { serve: boolean; port?: number } = { serve: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--serve") out.serve = true
    else if (a === "--port" || a.startsWith("--port=")) {
      const v = a === "--port" ? argv[++i] : a.slice("--port=".length)
      const port = Number(v)
      if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port: not a port: ${v}`)
      out.port = port
    } else if (a === "--help" || a === "-h") {
      console.log("usage: npm run demo [-- --serve [--port <n>]]\n" +
        "  --serve      after the scripted order and refunds, keep Medusa and its admin running until Ctrl-C\n" +
        "  --port <n>   Medusa's port (default: a free one)")
      process.exit(0)
    } else throw new Error(`unknown argument ${a} (try --help)`)
  }
  return out
}
const ARGS = parseArgs(process.argv.slice(2))

const t0 = Date.now()
const say = (msg: string) => console.log(`[demo] ${msg}  (+${((Date.now() - t0) / 1000).toFixed(1)}s)`)
const pretty = (v: unknown) => JSON.stringify(v, null, 2)

/** Medusa child processes still running (each in its own process group). */
const children = new Set<ChildProcess>()

/** Spawns `medusa <args>` in its own process group, output appended to the log. */
function spawnMedusa(args: string[], env: NodeJS.ProcessEnv, log: WriteStream): ChildProcess {
  log.write(`\n===== medusa ${args.join(" ")} =====\n`)
  const child = spawn(process.execPath, [MEDUSA_BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  children.add(child)
  child.once("exit", () => children.delete(child))
  child.stdout!.pipe(log, { end: false })
  child.stderr!.pipe(log, { end: false })
  return child
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, sig)
  } catch {
    /* already gone */
  }
}

/** Runs `medusa <args>` to completion. */
function runMedusa(args: string[], env: NodeJS.ProcessEnv, log: WriteStream): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnMedusa(args, env, log)
    child.on("error", reject)
    child.on("exit", (code, signal) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`medusa ${args[0]} exited with ${code ?? signal}`))
    )
  })
}

async function stopMedusa(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const exited = new Promise<void>((r) => child.once("exit", () => r()))
  signalGroup(child, "SIGTERM")
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000)
  await exited
  clearTimeout(timer)
}

/**
 * Loads the admin page and walks its module graph once (as a browser would, without running it), so Vite
 * transforms the modules and pre-bundles the dashboard's dependencies before the person's first visit.
 */
async function warmAdmin(baseUrl: string): Promise<void> {
  const started = Date.now()
  const origin = new URL(baseUrl).origin
  const seen = new Set<string>()
  const queue: string[] = []
  const add = (spec: string, from: string) => {
    const url = new URL(spec, from)
    if (url.origin !== origin || !url.pathname.startsWith(`${ADMIN_PATH}/`) || seen.has(url.href)) return
    seen.add(url.href)
    queue.push(url.href)
  }
  try {
    const page = `${baseUrl}${ADMIN_PATH}/`
    const html = await axios.get(page, { timeout: 180_000, responseType: "text" })
    for (const m of String(html.data).matchAll(/<script[^>]+src="([^"]+)"/g)) add(m[1], page)
    const importRe = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g
    const worker = async () => {
      for (let url = queue.shift(); url; url = queue.shift()) {
        const res = await axios.get(url, { timeout: 180_000, responseType: "text", validateStatus: () => true })
        if (res.status !== 200 || !/javascript/.test(String(res.headers["content-type"]))) continue
        for (const m of String(res.data).matchAll(importRe)) if (/^[./]/.test(m[1])) add(m[1], url)
      }
    }
    // Breadth-first, a few requests at a time, until no new module turns up (about 500 for Medusa 2.21's
    // admin; capped at 2,000 modules / 4 minutes).
    while (queue.length && seen.size < 2000 && Date.now() - started < 240_000) {
      await Promise.all(Array.from({ length: 6 }, worker))
    }
  } catch (e: any) {
    say(`admin warm-up: ${e?.message ?? e} (the first page load may be slow)`)
  }
  say(`admin warm-up: ${seen.size} modules in ${((Date.now() - started) / 1000).toFixed(1)}s`)
}

async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`medusa start exited early (${child.exitCode ?? child.signalCode})`)
    }
    try {
      const res = await axios.get(`${baseUrl}/health`, { timeout: 2000, validateStatus: () => true })
      if (res.status === 200) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`medusa did not answer ${baseUrl}/health within ${timeoutMs / 1000}s`)
}

/** Things to stop, newest first. */
const cleanups: Array<[string, () => Promise<void>]> = []
let cleaning: Promise<boolean> | undefined

/** Stops everything started so far (once); resolves false if something could not be stopped. */
function cleanup(): Promise<boolean> {
  cleaning ??= (async () => {
    let clean = true
    for (const [name, stop] of cleanups) {
      try {
        await stop()
        say(`stopped ${name}`)
      } catch (e: any) {
        console.error(`[demo] could not stop ${name}: ${e?.message ?? e}`)
        clean = false
      }
    }
    return clean
  })()
  return cleaning
}

/** Set once `--serve` is waiting for Ctrl-C: stopping is then the normal end (exit 0). */
let serving = false
/** Set by the first signal: the signal handler stops everything and exits. */
let signalled = false

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    signalled = true
    console.error(`[demo] ${sig}: stopping …`)
    // Medusa first, synchronously: it runs in its own process group, so a terminal's Ctrl-C never reaches it.
    for (const child of children) signalGroup(child, "SIGTERM")
    cleanup().then((clean) => process.exit(serving && clean ? 0 : 130), () => process.exit(130))
  })
}

async function main(): Promise<void> {
  mkdirSync(TMP, { recursive: true })
  const log = createWriteStream(MEDUSA_LOG, { flags: "w" })
  let ok = false

  try {
    say("starting embedded PostgreSQL …")
    const pg = await startPostgres()
    cleanups.unshift(["PostgreSQL", () => pg.stop()])
    await pg.createDatabase("medusa_demo")
    say(`PostgreSQL ${pg.url("medusa_demo")}`)

    const sandbox = await startSandbox({ port: 0, host: "127.0.0.1", quiet: true })
    cleanups.unshift(["sandbox", () => sandbox.close()])
    say(`PaymentOptions sandbox gateway at ${sandbox.url}`)

    const port = ARGS.port ?? (await getFreePort())
    const baseUrl = `http://localhost:${port}`
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      DATABASE_URL: pg.url("medusa_demo"),
      DB_HOST: "localhost",
      DB_PORT: String(pg.port),
      DB_USERNAME: pg.user,
      DB_PASSWORD: pg.password,
      PO_API_KEY: sandbox.credentials.apiKey,
      PO_X_API_KEY: sandbox.credentials.xApiKey,
      PO_MERCHANT_ID: sandbox.credentials.merchantId,
      PO_BASE_URL: sandbox.url,
      PO_BACKEND_URL: baseUrl,
      MEDUSA_DISABLE_TELEMETRY: "true",
    }
    delete env.PO_DISABLE
    if (ARGS.serve) {
      // medusa-config.ts enables the admin only with PO_ADMIN=1; it calls the API from the same origin.
      env.PO_ADMIN = "1"
      for (const key of ["ADMIN_CORS", "AUTH_CORS", "STORE_CORS"]) {
        env[key] = [baseUrl, process.env[key]].filter(Boolean).join(",")
      }
    } else {
      delete env.PO_ADMIN
    }

    say("medusa db:migrate …")
    await runMedusa(["db:migrate"], env, log)
    say(`medusa user -e ${ADMIN.email} …`)
    await runMedusa(["user", "-e", ADMIN.email, "-p", ADMIN.password], env, log)

    say(`medusa start on port ${port}${ARGS.serve ? " (with the admin dashboard)" : ""} …`)
    const medusa = spawnMedusa(["start"], env, log)
    cleanups.unshift(["Medusa", () => stopMedusa(medusa)])
    await waitForHealth(baseUrl, medusa, 120_000)
    say(`Medusa is up: ${baseUrl}/health`)
    // The admin's first page load makes Vite pre-bundle the dashboard; start that now, in the background.
    const adminWarm = ARGS.serve ? warmAdmin(baseUrl) : Promise.resolve()

    const api = axios.create({ baseURL: baseUrl })
    const admin = await adminHeaders(api, null, ADMIN)
    say("admin logged in")

    const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: UNIT_PRICE })
    say(`seeded JPY store: region ${store.regionId}, variant ${store.variantId} at ¥${UNIT_PRICE}`)

    const checkout = await checkoutWithHostedPage(api, store.storeHeaders, {
      regionId: store.regionId,
      variantId: store.variantId,
      email: "shopper@demo.local",
    })
    say(`hosted payment page: ${checkout.paymentSession.data?.redirect_url}`)
    say(`order placed: ${checkout.order.id} (total ${checkout.order.total} ${checkout.order.currency_code})`)

    let payment = await getOrderPayment(api, admin, checkout.order.id)
    say(`payment ${payment.id}: amount ${payment.amount}, captured_at ${payment.captured_at ?? "-"}`)

    try {
      payment = await capture(api, admin, payment.id)
      say("capture: OK")
    } catch (e: any) {
      say(`capture: not needed/failed (${e.message})`)
    }
    payment = await getPayment(api, admin, payment.id)
    const captured = (payment.captures ?? []).map((c: any) => c.amount)
    say(`captured: ${captured.join(", ") || "(none)"} (captured_at ${payment.captured_at ?? "-"})`)

    for (const amount of REFUNDS) {
      const res = await refund(api, admin, payment.id, { amount, note: `demo refund ${amount}` })
      if (res.status !== 200) {
        throw new Error(`refund ${amount} failed: HTTP ${res.status} ${JSON.stringify(res.data)}`)
      }
      say(`refund ¥${amount}: HTTP ${res.status}`)
    }

    payment = await getPayment(api, admin, payment.id)
    console.log("")
    console.log(`order id:        ${checkout.order.id}`)
    console.log(`payment id:      ${payment.id}`)
    console.log(`payment amount:  ${payment.amount} ${payment.currency_code}`)
    console.log(`captured:        ${captured.join(", ") || "(none)"}`)
    console.log("refunds:")
    for (const r of payment.refunds ?? []) {
      console.log(`  - ${r.id}  amount ${r.amount}  note ${JSON.stringify(r.note ?? null)}  created_at ${r.created_at ?? "-"}`)
    }
    console.log("payment.data:")
    console.log(pretty(payment.data))
    console.log("")

    const refundRows = payment.refunds ?? []
    if (refundRows.length !== REFUNDS.length) {
      throw new Error(`expected ${REFUNDS.length} refund rows, got ${refundRows.length}`)
    }
    ok = true
    say("done: checkout, capture and two partial refunds went through the real Medusa server")

    if (ARGS.serve) {
      await adminWarm
      say("admin dashboard ready")
      console.log("")
      console.log(`Medusa admin:    ${baseUrl}${ADMIN_PATH}`)
      console.log(`login:           ${ADMIN.email} / ${ADMIN.password}`)
      console.log(`the demo order:  ${baseUrl}${ADMIN_PATH}/orders/${checkout.order.id}`)
      console.log(`                 ("PaymentOptions refunds" at the bottom; Refund: the order's payment, "…" menu)`)
      console.log(`sandbox gateway: ${sandbox.url}   (GET ${sandbox.url}/__sandbox/transactions)`)
      console.log(`Medusa's output: ${MEDUSA_LOG}`)
      console.log("")
      console.log("Press Ctrl-C to stop Medusa, the sandbox and PostgreSQL.")
      serving = true
      // Until a signal handler ends the process; if Medusa dies on its own, stop the rest.
      const code = await new Promise<number | string | null>((r) =>
        medusa.exitCode !== null || medusa.signalCode !== null
          ? r(medusa.exitCode ?? medusa.signalCode)
          : medusa.once("exit", (c, sig) => r(c ?? sig))
      )
      // Stopped by the signal handler (which exits when everything is down), or died on its own.
      if (signalled) await new Promise(() => undefined)
      serving = false
      throw new Error(`medusa start exited on its own (${code})`)
    }
  } catch (e: any) {
    console.error(`[demo] FAILED: ${e?.stack ?? e}`)
    console.error(`[demo] Medusa output: ${MEDUSA_LOG}`)
  } finally {
    if (!(await cleanup())) ok = false
    await new Promise<void>((r) => log.end(() => r()))
  }
  process.exit(ok ? 0 : 1)
}

main()
