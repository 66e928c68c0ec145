import fs from "node:fs"
import path from "node:path"
import { recordingLogger } from "./helpers"

// What a store resolves: the built provider and plugin module through the package's own exports (run after
// `npm run build`; .ci/run does).
const server = path.join(__dirname, "../../.medusa/server/src")
const built = path.join(server, "providers/paymentoptions/index.js")
const builtModule = path.join(server, "modules/paymentoptions/index.js")

function needBuild(file: string) {
  if (!fs.existsSync(file)) throw new Error(`${path.relative(process.cwd(), file)} is missing: run \`npm run build\` first (.ci/run does)`)
}

describe("published entry point", () => {
  it("medusa-payment-paymentoptions/providers/paymentoptions resolves to the built provider, with the loader that tells it its id", () => {
    needBuild(built)
    const resolved = require.resolve("medusa-payment-paymentoptions/providers/paymentoptions")
    expect(resolved).toBe(built)
    const mod = require(resolved).default
    const [service] = mod.services
    expect(service.identifier).toBe("paymentoptions")
    expect(() => service.validateOptions({})).toThrow('"apiKey" is required')
    // Medusa runs provider loaders with the provider's options and the payment module's: how the provider learns its id.
    expect(mod.loaders).toEqual([expect.any(Function)])
  })

  it("ships the plugin's module (operation log, saved cards, webhook transactions) with its migrations", () => {
    needBuild(builtModule)
    const mod = require(builtModule).default
    expect(mod.service).toEqual(expect.any(Function))
    const migrations = fs.readdirSync(path.join(server, "modules/paymentoptions/migrations")).filter((f) => f.endsWith(".js"))
    expect(migrations.length).toBeGreaterThan(0)
  })

  it("the built provider without the plugin registered refuses a money call before any gateway call", async () => {
    needBuild(built)
    const [Service] = require(built).default.services
    const { logger } = recordingLogger()
    const provider = new Service(
      { logger, paymentOptionsProviderId: "pp_paymentoptions_pkg" },
      { apiKey: "k", xApiKey: "x", merchantId: "JP00000001", baseUrl: "http://127.0.0.1:9" }
    )
    await expect(
      provider.refundPayment({ data: { currency_code: "jpy", amount: "100", transaction_id: "t" }, amount: 10, context: { idempotency_key: "ref_pkg" } })
    ).rejects.toThrow(/needs its plugin registered[\s\S]*Nothing was sent to the gateway/)
  })
})
