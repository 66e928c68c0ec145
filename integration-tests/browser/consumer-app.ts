/**
 * A throwaway Medusa application that installs this plugin the way a store does: from the `npm pack`
 * tarball, with `plugins: [{ resolve: "medusa-payment-paymentoptions" }]` (which brings the admin
 * extension) and the provider `medusa-payment-paymentoptions/providers/paymentoptions`.
 *
 * The `plugins` entry is what brings the plugin's module (operation log, return-refund claims, …), its admin routes,
 * subscribers, job and widget; `medusa db:migrate` in the built app creates the module's tables from the plugin's
 * migrations, as a store does after installing it.
 *
 * Layout (under <repo>/.tmp/admin-app, recreated each run):
 *   package.json, tsconfig.json, medusa-config.ts
 *   node_modules/medusa-payment-paymentoptions/   the unpacked tarball (exactly the published files)
 *   .medusa/server/                               `medusa build` output: backend + public/admin
 *
 * Everything else (@medusajs/*, react, axios, zod …) resolves from the repo's node_modules one level
 * up, so nothing is downloaded. The admin build gets NODE_PATH=<app>/node_modules as well: the admin
 * bundler's Tailwind step finds plugin sources with require.resolve() from its own location, which in a
 * normal install is the app's node_modules.
 */
import { ChildProcess, execFileSync, spawn } from "child_process"
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, WriteStream, writeFileSync } from "fs"
import { join, resolve } from "path"
import { Client } from "pg"

export const ROOT = resolve(__dirname, "..", "..")
const MEDUSA_BIN = join(ROOT, "node_modules", "@medusajs", "cli", "cli.js")
const PLUGIN_NAME = "medusa-payment-paymentoptions"

const MEDUSA_CONFIG = `import { defineConfig, loadEnv } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const cors = process.env.ADMIN_CORS || "http://localhost:9000"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: cors,
      adminCors: cors,
      authCors: cors,
      jwtSecret: "browser-test-jwt-secret",
      cookieSecret: "browser-test-cookie-secret",
    },
    // Production mode marks the session cookie Secure; this app is served over plain http on loopback.
    cookieOptions: { secure: false },
  },
  admin: { path: "/app" },
  plugins: [{ resolve: "${PLUGIN_NAME}", options: {} }],
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: [
          {
            resolve: "${PLUGIN_NAME}/providers/paymentoptions",
            id: "paymentoptions",
            options: {
              apiKey: process.env.PO_API_KEY,
              xApiKey: process.env.PO_X_API_KEY,
              merchantId: process.env.PO_MERCHANT_ID,
              environment: "sandbox",
              baseUrl: process.env.PO_BASE_URL,
              timeoutMs: Number(process.env.PO_TIMEOUT_MS || 5000),
              refundSettleTimeoutMs: Number(process.env.PO_SETTLE_TIMEOUT_MS || 10000),
              refundSettleIntervalMs: Number(process.env.PO_SETTLE_INTERVAL_MS || 1000),
              backendUrl: process.env.PO_BACKEND_URL,
              autoRefundOnReturn: process.env.PO_AUTO_REFUND_ON_RETURN === "1",
            },
          },
        ],
      },
    },
  ],
})
`

const TSCONFIG = {
  compilerOptions: {
    target: "ES2021",
    module: "Node16",
    moduleResolution: "Node16",
    esModuleInterop: true,
    skipLibCheck: true,
    outDir: "./.medusa/server",
    rootDir: "./",
    jsx: "react-jsx",
    resolveJsonModule: true,
    types: ["node"],
  },
  include: ["medusa-config.ts"],
  exclude: ["node_modules", ".medusa"],
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** True when .medusa/server is missing or older than src/ or package.json. */
export function pluginBuildIsStale(): boolean {
  const marker = join(ROOT, ".medusa", "server", "src", "admin", "index.mjs")
  if (!existsSync(marker)) return true
  const built = statSync(marker).mtimeMs
  return Math.max(newestMtime(join(ROOT, "src")), statSync(join(ROOT, "package.json")).mtimeMs) > built
}

export type Log = (line: string) => void

export interface PostgresProcess {
  port: number
  url(db: string): string
  createDatabase(name: string): Promise<void>
  stop(): Promise<void>
}

/**
 * Embedded PostgreSQL (scripts/postgres.ts) in a child process: under jest the ES-module package cannot
 * be imported in-process (swc turns `import()` into `require`), so it runs under ts-node as `npm run demo`
 * does. SIGTERM stops the server and deletes its data dir.
 */
export async function startPostgresProcess(port: number, out: WriteStream): Promise<PostgresProcess> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "scripts", "postgres.ts")], {
    cwd: ROOT,
    env: { ...process.env, PGPORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  })
  child.stderr!.pipe(out, { end: false })
  const user = "postgres"
  const password = "postgres"
  await new Promise<void>((resolvePromise, reject) => {
    let seen = ""
    const timer = setTimeout(() => reject(new Error("embedded PostgreSQL did not start within 60 s")), 60_000)
    child.stdout!.on("data", (chunk) => {
      out.write(chunk)
      seen += String(chunk)
      if (seen.includes("[postgres] running:")) {
        clearTimeout(timer)
        resolvePromise()
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`embedded PostgreSQL exited with ${code}`))
    })
  })
  const url = (db: string) => `postgres://${user}:${password}@localhost:${port}/${db}`
  return {
    port,
    url,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: url("postgres") })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE "${name}"`)
      } finally {
        await client.end()
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((r) => child.once("exit", () => r()))
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Runs `node <medusa cli> <args>` to completion, output to the log stream. */
export function runMedusa(args: string[], cwd: string, env: NodeJS.ProcessEnv, out: WriteStream): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnMedusa(args, cwd, env, out)
    child.on("error", reject)
    child.on("exit", (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`medusa ${args.join(" ")} exited with ${code ?? signal}`))
    )
  })
}

/** Spawns `medusa <args>` in its own process group (so stopMedusa ends its workers too). */
export function spawnMedusa(args: string[], cwd: string, env: NodeJS.ProcessEnv, out: WriteStream): ChildProcess {
  out.write(`\n===== medusa ${args.join(" ")} (cwd ${cwd}) =====\n`)
  const child = spawn(process.execPath, [MEDUSA_BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
  child.stdout!.pipe(out, { end: false })
  child.stderr!.pipe(out, { end: false })
  return child
}

export async function stopMedusa(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return
  const exited = new Promise<void>((r) => child.once("exit", () => r()))
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig)
    } catch {
      /* already gone */
    }
  }
  kill("SIGTERM")
  const timer = setTimeout(() => kill("SIGKILL"), 10_000)
  await exited
  clearTimeout(timer)
}

export interface ConsumerApp {
  appDir: string
  /** Where `medusa start` runs (the build output). */
  serverDir: string
}

/**
 * Packs the plugin, unpacks it into a fresh app's node_modules, writes the app's config and runs
 * `medusa build` (backend + admin with the plugin's widget). Rebuilds the plugin first if its build is
 * missing or older than src/.
 */
export async function buildConsumerApp(log: Log, out: WriteStream): Promise<ConsumerApp> {
  const appDir = join(ROOT, ".tmp", "admin-app")
  rmSync(appDir, { recursive: true, force: true })
  mkdirSync(appDir, { recursive: true })

  if (pluginBuildIsStale()) {
    log("plugin build missing or stale: medusa plugin:build")
    await runMedusa(["plugin:build"], ROOT, { ...process.env }, out)
  }

  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", appDir], { cwd: ROOT, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!
  const tarball = join(appDir, packed)
  const pkgDir = join(appDir, "node_modules", PLUGIN_NAME)
  mkdirSync(pkgDir, { recursive: true })
  execFileSync("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"])
  if (!existsSync(join(pkgDir, ".medusa", "server", "src", "admin", "index.mjs"))) {
    throw new Error(`${packed} has no admin extension (.medusa/server/src/admin/index.mjs)`)
  }
  log(`installed ${packed} into ${pkgDir}`)

  writeFileSync(
    join(appDir, "package.json"),
    JSON.stringify(
      {
        name: "po-admin-browser-app",
        private: true,
        version: "0.0.0",
        // As a store's package.json: the Medusa packages (resolved from the repo's node_modules) and the plugin.
        dependencies: {
          "@medusajs/admin-sdk": "2.21.2",
          "@medusajs/cli": "2.21.2",
          "@medusajs/framework": "2.21.2",
          "@medusajs/medusa": "2.21.2",
          [PLUGIN_NAME]: `file:./${packed}`,
        },
      },
      null,
      2
    )
  )
  writeFileSync(join(appDir, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2))
  writeFileSync(join(appDir, "medusa-config.ts"), MEDUSA_CONFIG)

  const t0 = Date.now()
  await runMedusa(["build"], appDir, { ...process.env, NODE_ENV: "production", NODE_PATH: join(appDir, "node_modules") }, out)
  const serverDir = join(appDir, ".medusa", "server")
  if (!existsSync(join(serverDir, "public", "admin", "index.html"))) {
    throw new Error(`medusa build produced no admin (${serverDir}/public/admin/index.html)`)
  }
  log(`medusa build (backend + admin) in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return { appDir, serverDir }
}
