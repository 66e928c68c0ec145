import fs from "node:fs"
import path from "node:path"

// What a store resolves: the built provider through the package's own exports (run after `medusa plugin:build`).
const built = path.join(__dirname, "../../.medusa/server/src/providers/paymentoptions/index.js")

describe("published entry point", () => {
  it("medusa-payment-paymentoptions/providers/paymentoptions resolves to the built provider", () => {
    if (!fs.existsSync(built)) throw new Error("run `npx medusa plugin:build` first (.ci/run does)")
    const resolved = require.resolve("medusa-payment-paymentoptions/providers/paymentoptions")
    expect(resolved).toBe(built)
    const mod = require(resolved).default
    const [service] = mod.services
    expect(service.identifier).toBe("paymentoptions")
    expect(() => service.validateOptions({})).toThrow('"apiKey" is required')
  })
})
