/**
 * Production-topology harness: real `medusa start` processes (a "server", a "worker", or "shared" ones) on one
 * PostgreSQL database and one Redis, with the Redis event bus, the Redis locking provider and the Redis
 * workflow engine (medusa-config.ts turns them on when REDIS_URL is set), and the bundled sandbox gateway
 * running in the jest process.
 *
 *   const topo = useTopology({ processes: ["server", "worker"], env: { PO_AUTO_REFUND_ON_RETURN: "1" } })
 *   it("…", async () => {
 *     const api = topo.api(0)                       // axios on process 0 (baseURL http://localhost:<port>)
 *     const admin = await topo.admin()              // bearer headers of the admin user (valid on every process)
 *     const mark = topo.mark(1)                     // … an HTTP call that makes the server emit an event …
 *     await topo.waitForLog(1, /Processing payment\.webhook_received/, { since: mark })
 *     await topo.kill(0, "SIGKILL"); await topo.restart(0)
 *     expect(topo.sandbox.requests().filter((r) => r.path.includes("refund"))).toHaveLength(1)
 *     await topo.db.raw("select 1")                 // knex on the spec's database
 *   })
 *
 * What it does, once per spec file (beforeAll; afterAll undoes it all):
 * - Redis: REDIS_URL (what .ci/run exports; the harness FLUSHDBs it first, so point it at a throwaway Redis),
 *   or, when REDIS_URL is unset, a private `redis-server` on a free loopback port (no persistence).
 * - PostgreSQL (DB_HOST=localhost, DB_PORT, DB_USERNAME, DB_PASSWORD, as .ci/run exports): a fresh database
 *   `po_topo_<pid>_<name>_<rand>` copied from a template database that `medusa db:migrate` + `medusa user`
 *   built once. The template's name hashes everything that shapes the schema (package-lock.json,
 *   medusa-config.ts, src/modules, src/links, the admin user, migrateEnv), so it is reused across spec files and
 *   runs until one of those changes; `template: false` (or TOPOLOGY_TEMPLATE=0) migrates the spec's own database
 *   instead. Databases of dead jest processes and templates unused for a day are dropped on the way.
 * - the sandbox gateway in-process (startSandbox), so `topo.sandbox.requests()` etc. are direct calls.
 * - N `medusa start` processes (node_modules/@medusajs/cli, cwd = repo root), in parallel, each on its own free
 *   port, env: DATABASE_URL, REDIS_URL, MEDUSA_WORKER_MODE, PORT, PO_BASE_URL (sandbox), PO_BACKEND_URL (the
 *   first process that serves HTTP: its url is where the sandbox sends webhooks), NODE_ENV=development, plus
 *   `env` and `processEnv[i]`. Ready = GET /health answers 200 (worker processes listen and answer it too).
 * - Output of process i goes to .tmp/topology/<name>/<i>-<mode>.log (all its boots, with a header per boot)
 *   and to memory (`log(i)`, `mark(i)`, `waitForLog(i, …)`); migrations to .tmp/topology/templates/<tpl>.log.
 * - Leftovers: every Medusa process is preloaded with parent-watchdog.js and SIGKILLs itself within 0.5 s of
 *   the jest process dying; afterAll SIGKILLs what is left (process groups), drops the database (kept with
 *   TOPOLOGY_KEEP_DB=1 or `keepDatabase`), closes the sandbox and stops a private redis-server.
 *
 * In 2.21.2 (read in node_modules/@medusajs/medusa/dist/loaders/index.js, event-bus-redis, workflow-engine-redis):
 * - "server" loads routes and subscribers, but its event bus and workflow engine start no BullMQ worker, and
 *   scheduled jobs are not loaded: subscribers, jobs and workflow retries/step timeouts run only in "worker" and
 *   "shared" processes. "worker" loads no routes at all (only /health answers). A route runs its workflow in
 *   the process that serves the request.
 * - An event is queued only if the *emitting* process has a subscriber for it (event-bus-redis filters on its
 *   local subscriber map), so an event nobody subscribes to never shows up anywhere. The worker logs
 *   "Processing <event> (priority: n) which has N subscribers" for every event it takes: a cheap observable.
 * - POST /hooks/payment/… queues payment.webhook_received with a fixed 5 s delay (the route reads
 *   `paymentModule.options.webhook_delay`, which the service does not expose), so a webhook takes ≥ 5 s.
 * Each spec file pays the boots (about 10-20 s on 2 busy cores); group scenarios into few files.
 */
import axios, { AxiosInstance } from "axios"
import { ChildProcess, spawn } from "child_process"
import { createHash, randomBytes } from "crypto"
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, WriteStream, writeFileSync } from "fs"
import { basename, join, relative, resolve } from "path"
import { Redis } from "ioredis"
import { Client } from "@medusajs/framework/pg"
import { knex, Knex } from "@medusajs/framework/mikro-orm/knex"
import { Sandbox, SandboxOptions, startSandbox } from "../../sandbox"
import { getFreePort } from "../../scripts/postgres"
import { adminHeaders, AdminCredentials, AuthHeaders, DEFAULT_ADMIN } from "../helpers/store-flow"

export type ProcessMode = "server" | "worker" | "shared"
export type Env = Record<string, string | undefined>

export interface TopologyOptions {
  /** Label for the database and the log folder (.tmp/topology/<name>/); default: the spec file's name. */
  name?: string
  /** One entry per Medusa process, in index order. Default ["server", "worker"]. */
  processes?: ProcessMode[]
  /** Extra env for every `medusa start` (an undefined value removes the variable). */
  env?: Env
  /** Extra env per process index (applied after `env`). */
  processEnv?: Array<Env | undefined>
  /** Env for `medusa db:migrate` / `medusa user` (part of the template's hash). Default none. */
  migrateEnv?: Record<string, string>
  /** Options for the in-process sandbox gateway (port/host are chosen by the harness). */
  sandbox?: Omit<SandboxOptions, "port" | "host">
  /** The admin user created with `medusa user`. Default DEFAULT_ADMIN of store-flow.ts. */
  admin?: AdminCredentials
  /** Copy a cached, migrated template database (default true; TOPOLOGY_TEMPLATE=0 turns it off). */
  template?: boolean
  /** Keep the spec's database after close() (default: TOPOLOGY_KEEP_DB=1). */
  keepDatabase?: boolean
  /** How long one process may take to answer /health (default 180 s). */
  bootTimeoutMs?: number
}

export interface BootRecord {
  index: number
  mode: ProcessMode
  /** From spawn to the first 200 on /health. */
  ms: number
  at: string
}

export interface TopologyTimings {
  redisMs: number
  sandboxMs: number
  /** Getting the spec's database: a template copy, or (first run / template: false) migrations too. */
  databaseMs: number
  /** Time spent in `medusa db:migrate` + `medusa user` (0 when the template was reused). */
  migrateMs: number
  templateReused: boolean
  /** Until every process answered /health the first time (boots run in parallel). */
  firstBootMs: number
  /** Whole startTopology(). */
  startMs: number
  boots: BootRecord[]
}

export interface TopologyProcess {
  readonly index: number
  readonly mode: ProcessMode
  readonly port: number
  readonly url: string
  readonly logFile: string
  readonly pid: number | undefined
  readonly running: boolean
}

export interface Topology {
  readonly name: string
  readonly processes: ReadonlyArray<TopologyProcess>
  readonly sandbox: Sandbox
  /** knex on the spec's database (pool of 2), for assertions. */
  readonly db: Knex
  readonly dbName: string
  readonly databaseUrl: string
  readonly redisUrl: string
  /** An ioredis client on REDIS_URL's database. */
  readonly redis: Redis
  readonly adminCredentials: AdminCredentials
  readonly timings: TopologyTimings
  readonly logDir: string
  /** http://localhost:<port> of process i (the port is kept across restarts). */
  url(i: number): string
  /** axios with baseURL = url(i) (throws on HTTP errors like the test runner's `api`). */
  api(i: number): AxiosInstance
  /** Admin bearer headers, logged in once through process i (default: the first HTTP process). */
  admin(i?: number): Promise<AuthHeaders>
  /** Index of the nth process with this mode. */
  indexOf(mode: ProcessMode, nth?: number): number
  /** Signals process i's process group and waits for it to exit (default SIGKILL; others escalate to SIGKILL after 10 s). */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>
  /** Starts a stopped process i and waits for /health; `env` is added to its env from now on. Returns the boot ms. */
  start(i: number, env?: Env): Promise<number>
  /** Stops process i if running (SIGTERM unless `signal`), then start(i, env). Returns the boot ms. */
  restart(i: number, opts?: { signal?: NodeJS.Signals; env?: Env }): Promise<number>
  /** Stops every running process (default SIGTERM with the 10 s escalation). */
  stopAll(opts?: { signal?: NodeJS.Signals }): Promise<void>
  /** Everything process i printed so far (all boots). */
  log(i: number): string
  /** The current length of log(i), to pass as `since` to waitForLog. */
  mark(i: number): number
  /** Waits until log(i) (from `since`) has a line matching `pattern`; returns that line. Default timeout 30 s. */
  waitForLog(i: number, pattern: RegExp | string, opts?: { since?: number; timeoutMs?: number }): Promise<string>
  /** FLUSHDB on REDIS_URL's database (BullMQ queues, locks, workflow state): only with the processes stopped. */
  flushRedis(): Promise<void>
  /** Stops everything started and drops the database (useTopology calls it in afterAll). */
  close(): Promise<void>
}

const ROOT = resolve(__dirname, "../..")
const TMP = join(ROOT, ".tmp", "topology")
const TEMPLATE_DIR = join(TMP, "templates")
const MEDUSA_BIN = join(ROOT, "node_modules", "@medusajs", "cli", "cli.js")
const WATCHDOG = join(__dirname, "parent-watchdog.js")
const DB_PREFIX = "po_topo_"
const TEMPLATE_PREFIX = "po_topo_tpl_"
/** Bump when the template's recipe (what runs to build it) changes. */
const TEMPLATE_RECIPE = "1"
const TEMPLATE_LOCK = "po_topology_template"
const TEMPLATE_MAX_IDLE_MS = 24 * 3600_000
const READY = "po-topology-template ready"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const since = (t: number) => Date.now() - t
const clock = () => new Date().toISOString().slice(11, 23)
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 24) || "spec"
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e: any) {
    return e?.code === "EPERM"
  }
}

// ---- PostgreSQL ------------------------------------------------------------------------------------------

function pgSettings() {
  const host = process.env.DB_HOST || "localhost"
  if (host !== "localhost") {
    // Medusa adds SSL options for any other host name; the test cluster has ssl=off (NOTES.md, gotcha 1).
    throw new Error(`DB_HOST must be literally "localhost" (got ${host})`)
  }
  return {
    host,
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USERNAME || "postgres",
    password: process.env.DB_PASSWORD || "",
  }
}

function databaseUrl(db: string): string {
  const { host, port, user, password } = pgSettings()
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user)
  return `postgres://${auth}@${host}:${port}/${db}`
}

async function withMaintenance<T>(fn: (c: InstanceType<typeof Client>) => Promise<T>): Promise<T> {
  const c = new Client({ ...pgSettings(), database: "postgres" })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end().catch(() => undefined)
  }
}

async function listDatabases(c: InstanceType<typeof Client>, prefix: string): Promise<{ name: string; comment: string | null }[]> {
  const { rows } = await c.query(
    `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE $1`,
    [`${prefix.replace(/_/g, "\\_")}%`]
  )
  return rows
}

/** Drops spec databases whose jest process is gone, and templates nobody used for a day. */
async function reapDatabases(c: InstanceType<typeof Client>, keepTemplate: string | null): Promise<void> {
  for (const { name, comment } of await listDatabases(c, DB_PREFIX)) {
    let stale = false
    if (name.startsWith(TEMPLATE_PREFIX)) {
      const used = Number(/used=(\d+)/.exec(comment ?? "")?.[1] ?? 0)
      stale = name !== keepTemplate && !!comment?.startsWith(READY) && Date.now() - used > TEMPLATE_MAX_IDLE_MS
    } else {
      const pid = Number(/^po_topo_(\d+)_/.exec(name)?.[1] ?? 0)
      stale = pid > 0 && pid !== process.pid && !alive(pid)
    }
    if (stale) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).catch(() => undefined)
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((f) => !/__tests__/.test(f))
    .sort()
}

/** Name of the template database for what shapes the schema today. */
function templateName(admin: AdminCredentials, migrateEnv: Record<string, string>): string {
  const h = createHash("sha256")
  h.update(`recipe ${TEMPLATE_RECIPE}\n${JSON.stringify(admin)}\n${JSON.stringify(Object.entries(migrateEnv).sort())}\n`)
  const files = [join(ROOT, "package-lock.json"), join(ROOT, "medusa-config.ts"), ...filesUnder(join(ROOT, "src", "modules")), ...filesUnder(join(ROOT, "src", "links"))]
  for (const f of files) {
    if (!existsSync(f)) continue
    h.update(`${relative(ROOT, f)}\n`)
    h.update(readFileSync(f))
  }
  return TEMPLATE_PREFIX + h.digest("hex").slice(0, 16)
}

// ---- child processes -------------------------------------------------------------------------------------

/** Medusa process groups still running, killed synchronously if the jest process exits normally. */
const LIVE: Set<number> = ((globalThis as any)[Symbol.for("po.topology.live")] ??= new Set<number>())
if (!(globalThis as any)[Symbol.for("po.topology.exitHook")]) {
  ;(globalThis as any)[Symbol.for("po.topology.exitHook")] = true
  process.once("exit", () => {
    for (const pid of LIVE) {
      try {
        process.kill(-pid, "SIGKILL")
      } catch {
        /* gone */
      }
    }
  })
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {
      /* gone */
    }
  }
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

function waitExit(child: ChildProcess): Promise<void> {
  return exited(child) ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()))
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (exited(child)) return
  const done = waitExit(child)
  signalGroup(child, signal)
  const timer = signal === "SIGKILL" ? undefined : setTimeout(() => signalGroup(child, "SIGKILL"), graceMs)
  await done
  if (timer) clearTimeout(timer)
}

function childEnv(base: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  // Jest's flags are not Medusa's; the spawned node gets its own.
  delete env.NODE_OPTIONS
  delete env.JEST_WORKER_ID
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** Runs `medusa <args>` to completion, output appended to `logFile`. */
function runMedusa(args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const log = createWriteStream(logFile, { flags: "a" })
    log.write(`\n===== medusa ${args.join(" ")} (${new Date().toISOString()}) =====\n`)
    const child = spawn(process.execPath, ["--require", WATCHDOG, MEDUSA_BIN, ...args], {
      cwd: ROOT,
      env: { ...env, TOPOLOGY_PARENT_PID: String(process.pid) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    })
    if (child.pid) LIVE.add(child.pid)
    child.stdout!.pipe(log, { end: false })
    child.stderr!.pipe(log, { end: false })
    child.on("error", reject)
    child.on("exit", (code, signal) => {
      if (child.pid) LIVE.delete(child.pid)
      log.end(() => {
        if (code === 0) resolveRun()
        else {
          const tail = readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n")
          reject(new Error(`medusa ${args[0]} exited with ${code ?? signal}; see ${logFile}\n${tail}`))
        }
      })
    })
  })
}

class MedusaProcess implements TopologyProcess {
  child?: ChildProcess
  output = ""
  extraEnv: Env = {}
  private stream?: WriteStream

  constructor(
    readonly index: number,
    readonly mode: ProcessMode,
    readonly port: number,
    readonly logFile: string,
    private readonly envFor: (p: MedusaProcess) => Env
  ) {}

  get url() {
    return `http://localhost:${this.port}`
  }
  get pid() {
    return this.child?.pid
  }
  get running() {
    return !!this.child && !exited(this.child)
  }

  private append(text: string) {
    this.output += text
    this.stream?.write(text)
  }

  spawn(): ChildProcess {
    if (this.running) throw new Error(`process ${this.index} (${this.mode}) is already running (pid ${this.pid})`)
    this.stream ??= createWriteStream(this.logFile, { flags: "w" })
    const env = childEnv({ ...this.envFor(this), ...this.extraEnv, TOPOLOGY_PARENT_PID: String(process.pid) })
    const child = spawn(process.execPath, ["--require", WATCHDOG, MEDUSA_BIN, "start"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    })
    this.child = child
    if (child.pid) LIVE.add(child.pid)
    this.append(`\n===== [${this.index}] ${this.mode} medusa start, pid ${child.pid}, port ${this.port} (${new Date().toISOString()}) =====\n`)
    // Each line gets the wall-clock time it arrived (Medusa's development logger prints none).
    const lines = (stream: NodeJS.ReadableStream) => {
      let partial = ""
      stream.setEncoding("utf8")
      stream.on("data", (d: string) => {
        const parts = (partial + d).split("\n")
        partial = parts.pop()!
        if (parts.length) this.append(parts.map((l) => `${clock()} ${l}\n`).join(""))
      })
      stream.on("end", () => partial && this.append(`${clock()} ${partial}\n`))
    }
    lines(child.stdout!)
    lines(child.stderr!)
    child.on("exit", (code, signal) => {
      if (child.pid) LIVE.delete(child.pid)
      this.append(`===== [${this.index}] pid ${child.pid} exited (${code ?? signal}) at ${clock()} =====\n`)
    })
    return child
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const child = this.child!
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (exited(child)) throw new Error(`process ${this.index} (${this.mode}) exited during boot (${child.exitCode ?? child.signalCode}); see ${this.logFile}\n${this.tail()}`)
      try {
        const res = await axios.get(`${this.url}/health`, { timeout: 2000, validateStatus: () => true })
        if (res.status === 200) return
      } catch {
        /* not listening yet */
      }
      await sleep(200)
    }
    throw new Error(`process ${this.index} (${this.mode}) did not answer ${this.url}/health within ${timeoutMs / 1000} s; see ${this.logFile}\n${this.tail()}`)
  }

  tail(lines = 40): string {
    return this.output.split("\n").slice(-lines).join("\n")
  }

  async closeLog(): Promise<void> {
    const s = this.stream
    this.stream = undefined
    if (s) await new Promise<void>((r) => s.end(() => r()))
  }
}

// ---- Redis ---------------------------------------------------------------------------------------------

type PrivateRedis = { url: string; stop: () => Promise<void> }

/** Kills redis-servers a dead jest process started (their pid files are in .tmp/topology). */
function reapRedis(): void {
  if (!existsSync(TMP)) return
  for (const f of readdirSync(TMP).filter((n) => /^redis-\d+\.json$/.test(n))) {
    try {
      const { pid, owner } = JSON.parse(readFileSync(join(TMP, f), "utf8"))
      if (owner === process.pid || alive(owner)) continue
      if (alive(pid)) process.kill(pid, "SIGKILL")
      unlinkSync(join(TMP, f))
    } catch {
      /* unreadable: leave it */
    }
  }
}

async function startPrivateRedis(): Promise<PrivateRedis> {
  reapRedis()
  const port = await getFreePort()
  const dir = join(TMP, `redis-${port}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", join(dir, "redis.log")]
  const child = spawn("redis-server", args, { stdio: "ignore" })
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (e) => reject(new Error(`redis-server could not start (${e.message}); install it (apt-get install redis-server) or set REDIS_URL`)))
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}; see ${dir}/redis.log`)))
  })
  failed.catch(() => undefined)
  const pidFile = join(TMP, `redis-${child.pid}.json`)
  writeFileSync(pidFile, JSON.stringify({ pid: child.pid, owner: process.pid, port }))
  const url = `redis://127.0.0.1:${port}`
  const stop = async () => {
    if (!exited(child)) {
      const done = waitExit(child)
      child.kill("SIGKILL")
      await done
    }
    rmSync(pidFile, { force: true })
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    try {
      await Promise.race([probe.connect().then(() => probe.ping()), failed])
      probe.disconnect()
      return { url, stop }
    } catch (e) {
      probe.disconnect()
      if (exited(child) || Date.now() > deadline) {
        await stop()
        throw e
      }
      await sleep(50)
    }
  }
}

// ---- the topology --------------------------------------------------------------------------------------

export async function startTopology(opts: TopologyOptions = {}): Promise<Topology> {
  const t0 = Date.now()
  const name = slug(opts.name ?? "topology")
  const modes = opts.processes ?? ["server", "worker"]
  if (!modes.length) throw new Error("startTopology: no processes")
  const admin = opts.admin ?? DEFAULT_ADMIN
  const bootTimeoutMs = opts.bootTimeoutMs ?? 180_000
  const useTemplate = opts.template ?? process.env.TOPOLOGY_TEMPLATE !== "0"
  const keepDatabase = opts.keepDatabase ?? process.env.TOPOLOGY_KEEP_DB === "1"
  const logDir = join(TMP, name)
  rmSync(logDir, { recursive: true, force: true })
  mkdirSync(logDir, { recursive: true })
  mkdirSync(TEMPLATE_DIR, { recursive: true })

  // Undo stack: whatever got started is stopped again if a later step fails.
  const cleanups: Array<() => Promise<unknown>> = []
  const cleanup = async () => {
    const errors: unknown[] = []
    while (cleanups.length) {
      try {
        await cleanups.pop()!()
      } catch (e) {
        errors.push(e)
      }
    }
    if (errors.length) console.warn(`[topology ${name}] cleanup: ${errors.map(String).join("; ")}`)
  }

  const timings: TopologyTimings = { redisMs: 0, sandboxMs: 0, databaseMs: 0, migrateMs: 0, templateReused: false, firstBootMs: 0, startMs: 0, boots: [] }
  try {
    // Redis
    let t = Date.now()
    let redisUrl = process.env.REDIS_URL
    if (!redisUrl) {
      const own = await startPrivateRedis()
      cleanups.push(own.stop)
      redisUrl = own.url
    }
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 })
    cleanups.push(async () => redis.quit().catch(() => redis.disconnect()))
    await redis.flushdb()
    timings.redisMs = since(t)

    // Sandbox gateway
    t = Date.now()
    const sandbox = await startSandbox({ quiet: true, ...opts.sandbox, port: 0, host: "127.0.0.1" })
    cleanups.push(() => sandbox.close())
    timings.sandboxMs = since(t)

    // Ports first: PO_BACKEND_URL names the HTTP process before anything boots.
    const ports: number[] = []
    for (const _ of modes) {
      let port = await getFreePort()
      while (ports.includes(port)) port = await getFreePort()
      ports.push(port)
    }
    const httpIndex = modes.findIndex((m) => m !== "worker")
    const backendUrl = `http://localhost:${ports[httpIndex >= 0 ? httpIndex : 0]}`
    const baseEnv: Env = {
      NODE_ENV: "development",
      MEDUSA_DISABLE_TELEMETRY: "true",
      REDIS_URL: redisUrl,
      PO_BASE_URL: sandbox.url,
      PO_BACKEND_URL: backendUrl,
      PO_API_KEY: sandbox.credentials.apiKey,
      PO_X_API_KEY: sandbox.credentials.xApiKey,
      PO_MERCHANT_ID: sandbox.credentials.merchantId,
    }

    // Database
    t = Date.now()
    const dbName = `${DB_PREFIX}${process.pid}_${name}_${randomBytes(3).toString("hex")}`.slice(0, 63)
    const dropOwnDatabase = async () => {
      if (!keepDatabase) await withMaintenance((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`))
    }
    const migrateEnv = (db: string): NodeJS.ProcessEnv =>
      childEnv({ ...baseEnv, PORT: "0", MEDUSA_WORKER_MODE: "shared", DATABASE_URL: databaseUrl(db), ...(opts.migrateEnv ?? {}) })
    const migrate = async (db: string, logFile: string) => {
      const m = Date.now()
      await runMedusa(["db:migrate"], migrateEnv(db), logFile)
      await runMedusa(["user", "-e", admin.email, "-p", admin.password], migrateEnv(db), logFile)
      timings.migrateMs += since(m)
    }
    await withMaintenance(async (c) => {
      const template = useTemplate ? templateName(admin, opts.migrateEnv ?? {}) : null
      await reapDatabases(c, template)
      if (!template) {
        await c.query(`CREATE DATABASE ${quoteIdent(dbName)}`)
        cleanups.push(dropOwnDatabase)
        await migrate(dbName, join(logDir, "migrate.log"))
        return
      }
      // One builder at a time, across jest processes sharing the cluster.
      await c.query(`SELECT pg_advisory_lock(hashtext($1))`, [TEMPLATE_LOCK])
      try {
        const [existing] = await listDatabases(c, template)
        if (existing?.comment?.startsWith(READY)) {
          timings.templateReused = true
        } else {
          if (existing) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`)
          await c.query(`CREATE DATABASE ${quoteIdent(template)}`)
          try {
            await migrate(template, join(TEMPLATE_DIR, `${template}.log`))
          } catch (e) {
            await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`).catch(() => undefined)
            throw e
          }
          // Nobody may connect to it from now on (a connection would block copying it).
          await c.query(`ALTER DATABASE ${quoteIdent(template)} WITH ALLOW_CONNECTIONS false`)
        }
        await c.query(`COMMENT ON DATABASE ${quoteIdent(template)} IS '${READY} used=${Date.now()}'`)
        await c.query(`CREATE DATABASE ${quoteIdent(dbName)} TEMPLATE ${quoteIdent(template)}`)
        await c.query(`ALTER DATABASE ${quoteIdent(dbName)} WITH ALLOW_CONNECTIONS true`)
        cleanups.push(dropOwnDatabase)
      } finally {
        await c.query(`SELECT pg_advisory_unlock(hashtext($1))`, [TEMPLATE_LOCK]).catch(() => undefined)
      }
    })
    timings.databaseMs = since(t)
    const dbUrl = databaseUrl(dbName)
    const db = knex({ client: "pg", connection: { ...pgSettings(), database: dbName }, pool: { min: 0, max: 2 } })
    cleanups.push(() => db.destroy())

    // Medusa processes
    const procs = modes.map(
      (mode, i) =>
        new MedusaProcess(i, mode, ports[i], join(logDir, `${i}-${mode}.log`), (p) => ({
          ...baseEnv,
          PORT: String(p.port),
          DATABASE_URL: dbUrl,
          MEDUSA_WORKER_MODE: p.mode,
          ...(opts.env ?? {}),
          ...(opts.processEnv?.[i] ?? {}),
        }))
    )
    const killAll = async (signal: NodeJS.Signals) => {
      await Promise.all(procs.filter((p) => p.child).map((p) => stopChild(p.child!, signal)))
    }
    cleanups.push(async () => {
      await killAll("SIGKILL")
      await Promise.all(procs.map((p) => p.closeLog()))
    })
    const proc = (i: number) => {
      const p = procs[i]
      if (!p) throw new Error(`no process ${i} (have ${procs.length})`)
      return p
    }
    const boot = async (p: MedusaProcess): Promise<number> => {
      const b = Date.now()
      p.spawn()
      await p.waitHealthy(bootTimeoutMs)
      const ms = since(b)
      timings.boots.push({ index: p.index, mode: p.mode, ms, at: new Date().toISOString() })
      return ms
    }

    t = Date.now()
    await Promise.all(procs.map(boot))
    timings.firstBootMs = since(t)
    timings.startMs = since(t0)

    const apis = new Map<number, AxiosInstance>()
    let adminAuth: Promise<AuthHeaders> | undefined
    const defaultHttp = () => {
      const i = procs.findIndex((p) => p.mode !== "worker")
      if (i < 0) throw new Error("no process serves HTTP (all are workers)")
      return i
    }

    const topology: Topology = {
      name,
      processes: procs,
      sandbox,
      db,
      dbName,
      databaseUrl: dbUrl,
      redisUrl,
      redis,
      adminCredentials: admin,
      timings,
      logDir,
      url: (i) => proc(i).url,
      api(i) {
        let a = apis.get(i)
        if (!a) apis.set(i, (a = axios.create({ baseURL: proc(i).url })))
        return a
      },
      admin(i) {
        const index = i ?? defaultHttp()
        if (i !== undefined) return adminHeaders(topology.api(index), null, admin)
        adminAuth ??= adminHeaders(topology.api(index), null, admin).catch((e) => {
          adminAuth = undefined
          throw e
        })
        return adminAuth
      },
      indexOf(mode, nth = 0) {
        const found = procs.filter((p) => p.mode === mode)[nth]
        if (!found) throw new Error(`no process #${nth} with mode ${mode} (modes: ${modes.join(", ")})`)
        return found.index
      },
      async kill(i, signal = "SIGKILL") {
        const p = proc(i)
        if (p.child) await stopChild(p.child, signal)
      },
      async start(i, env) {
        const p = proc(i)
        if (env) p.extraEnv = { ...p.extraEnv, ...env }
        return boot(p)
      },
      async restart(i, o = {}) {
        const p = proc(i)
        if (p.child) await stopChild(p.child, o.signal ?? "SIGTERM")
        return topology.start(i, o.env)
      },
      async stopAll(o = {}) {
        await killAll(o.signal ?? "SIGTERM")
      },
      log: (i) => proc(i).output,
      mark: (i) => proc(i).output.length,
      async waitForLog(i, pattern, o = {}) {
        const p = proc(i)
        const re = typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern
        const deadline = Date.now() + (o.timeoutMs ?? 30_000)
        for (;;) {
          const line = p.output.slice(o.since ?? 0).split("\n").find((l) => re.test(l))
          if (line !== undefined) return line
          if (Date.now() > deadline) throw new Error(`process ${i} (${p.mode}) logged no line matching ${re} in time; see ${p.logFile}\n${p.tail(20)}`)
          await sleep(100)
        }
      },
      async flushRedis() {
        await redis.flushdb()
      },
      async close() {
        if (keepDatabase) console.log(`[topology ${name}] keeping database ${dbName} (${dbUrl})`)
        await cleanup()
        writeFileSync(join(logDir, "timings.json"), JSON.stringify(timings, null, 2))
      },
    }
    return topology
  } catch (e) {
    await cleanup()
    throw e
  }
}

/**
 * For a spec file: starts the topology in beforeAll and closes it in afterAll; returns a handle usable from the
 * tests on (a proxy that throws if touched before beforeAll ran). The name defaults to the spec file's name.
 */
export function useTopology(opts: TopologyOptions = {}): Topology {
  let topo: Topology | undefined
  let failed: unknown
  let started = 0
  beforeAll(async () => {
    started = Date.now()
    const testPath = (expect as any).getState?.().testPath as string | undefined
    try {
      topo = await startTopology({ ...opts, name: opts.name ?? (testPath ? basename(testPath).replace(/\.spec\.[jt]s$/, "") : undefined) })
    } catch (e) {
      failed = e
      throw e
    }
    const t = topo.timings
    console.log(
      `[topology ${topo.name}] up in ${(t.startMs / 1000).toFixed(1)} s: database ${(t.databaseMs / 1000).toFixed(1)} s` +
        ` (${t.templateReused ? "template copy" : `migrations ${(t.migrateMs / 1000).toFixed(1)} s`}), boots ` +
        t.boots.map((b) => `[${b.index}] ${b.mode} ${(b.ms / 1000).toFixed(1)} s`).join(", ") +
        `; logs in ${relative(ROOT, topo.logDir)}`
    )
  }, 300_000)
  afterAll(async () => {
    if (!topo) return
    await topo.close()
    console.log(`[topology ${topo.name}] closed; ${((Date.now() - started) / 1000).toFixed(1)} s from start to close`)
  }, 120_000)
  return new Proxy({} as Topology, {
    get(_, property) {
      if (failed) throw new Error(`the topology did not start: ${failed instanceof Error ? failed.message.split("\n")[0] : String(failed)}`)
      if (!topo) throw new Error(`the topology starts in beforeAll (touched .${String(property)} before)`)
      // The handle's methods are closures (no `this`); db (knex) is itself a function, so nothing is bound.
      return (topo as any)[property]
    },
  })
}
