import manifest from "../medusa-plugin.json"
import pkg from "../package.json"
import { optionsSchema } from "../src/providers/paymentoptions/options"
import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"

// The manifest is documentation a store reads; keep it in step with the code that parses the options.
describe("medusa-plugin.json", () => {
  const provider = manifest.providers[0]

  it("names the provider the way Medusa registers it", () => {
    expect(manifest.name).toBe(pkg.name)
    expect(provider.identifier).toBe(PaymentOptionsProviderService.identifier)
    expect(provider.providerId).toBe(`pp_${provider.identifier}_${provider.id}`)
    expect(provider.resolve).toBe(`${pkg.name}/providers/paymentoptions`)
    expect(pkg.peerDependencies["@medusajs/framework"]).toBe(manifest.medusa.versions)
  })

  it("lists exactly the options the schema accepts, with the same defaults and required flags", () => {
    const shape = optionsSchema.shape as Record<string, any>
    expect(Object.keys(provider.options).sort()).toEqual(Object.keys(shape).sort())
    const defaults = optionsSchema.parse({ apiKey: "a", xApiKey: "b", merchantId: "c" }) as Record<string, unknown>
    for (const [name, spec] of Object.entries(provider.options) as [string, any][]) {
      if ("default" in spec) expect([name, defaults[name]]).toEqual([name, spec.default])
      else if (!spec.required) expect([name, defaults[name]]).toEqual([name, undefined])
      expect([name, optionsSchema.safeParse({ apiKey: "a", xApiKey: "b", merchantId: "c", [name]: undefined }).success]).toEqual([name, !spec.required])
    }
  })
})
