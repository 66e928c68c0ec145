/**
 * The plugin's real store (src/modules/paymentoptions: its service on PostgreSQL) booted on its own for the benchmark:
 * a scratch database is created, the module's migrations run through Medusa's module loader (MedusaAppMigrateUp),
 * the module is loaded with MedusaApp (only this module, no Medusa server), and stop() drops the database.
 */
import path from "node:path"
import { Client } from "pg"
import { MedusaApp, MedusaAppMigrateUp, MedusaModule } from "@medusajs/framework/modules-sdk"
import { ContainerRegistrationKeys, createPgConnection } from "@medusajs/framework/utils"
import type PaymentOptionsModuleService from "../src/modules/paymentoptions/service"

export interface PgStore {
  service: PaymentOptionsModuleService
  database: string
  stop(): Promise<void>
}

const quiet = { info() {}, warn() {}, error: console.error, debug() {}, log() {} } as any

/** `serverUrl` without a database name, e.g. postgres://postgres:postgres@localhost:5432 */
export async function startPgStore(serverUrl: string): Promise<PgStore> {
  const admin = new Client({ connectionString: `${serverUrl}/postgres`, connectionTimeoutMillis: 3000 })
  await admin.connect()
  const database = `paymentoptions_bench_${process.pid}_${Date.now().toString(36)}`
  await admin.query(`CREATE DATABASE "${database}"`)
  const clientUrl = `${serverUrl}/${database}`
  const databaseConfig = { clientUrl, driverOptions: { connection: { ssl: false } } }
  const modulesConfig = {
    paymentoptions: { resolve: path.join(__dirname, "../src/modules/paymentoptions"), options: { database: databaseConfig } },
  } as any
  const pg = createPgConnection({ clientUrl, schema: "public" } as any)
  const injectedDependencies = {
    [ContainerRegistrationKeys.PG_CONNECTION]: pg,
    [ContainerRegistrationKeys.LOGGER]: quiet,
    [ContainerRegistrationKeys.CONFIG_MODULE]: { modules: modulesConfig },
  }
  const common = { modulesConfig, injectedDependencies, sharedResourcesConfig: { database: databaseConfig }, cwd: path.join(__dirname, "..") }
  let app: Awaited<ReturnType<typeof MedusaApp>> | undefined
  const stop = async () => {
    await app?.onApplicationShutdown().catch(() => undefined)
    await pg.destroy().catch(() => undefined)
    MedusaModule.clearInstances()
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
    await admin.end()
  }
  try {
    // Medusa's migration runner logs each step with console.log when it has no container logger: keep the output clean.
    const log = console.log
    console.log = () => undefined
    try {
      await MedusaAppMigrateUp(common as any)
    } finally {
      console.log = log
    }
    app = await MedusaApp(common as any)
    await app.onApplicationStart()
    return { service: app.modules.paymentoptions as unknown as PaymentOptionsModuleService, database, stop }
  } catch (error) {
    await stop().catch(() => undefined)
    throw error
  }
}
