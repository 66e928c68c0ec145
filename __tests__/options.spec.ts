import { resolveOptions, webhookUrlFor } from "../src/providers/paymentoptions/options"
import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"
import warnMisplacedOptions from "../src/modules/paymentoptions/loaders/warn-misplaced-options"
import registerPaymentOptionsProvider from "../src/providers/paymentoptions/loaders/register-provider"
import { providerIdOf } from "../src/modules/paymentoptions/directory"

const valid = { apiKey: "secret-api-key-value", xApiKey: "secret-x-key-value", merchantId: "JP00000001" }

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  return ""
}

function recorder() {
  const lines: string[] = []
  return { lines, logger: { warn: (m: string) => lines.push(m), info: () => undefined, error: () => undefined } as any }
}

describe("provider options", () => {
  it("defaults to the sandbox host and builds the webhook URL from backendUrl and the real provider id", () => {
    const o = resolveOptions(valid)
    expect(o.gatewayUrl).toBe("https://api-dev.paymentoptions.com")
    expect(o.apiPathPrefix).toBe("/api/v1/server-to-server-interface")
    expect(o.timeoutMs).toBe(30000)
    expect(webhookUrlFor(o, "pp_paymentoptions_paymentoptions")).toBe("http://localhost:9000/hooks/payment/paymentoptions_paymentoptions")
    const shop = resolveOptions({ ...valid, backendUrl: "https://shop.example.com/" })
    expect(webhookUrlFor(shop, "pp_paymentoptions_jp")).toBe("https://shop.example.com/hooks/payment/paymentoptions_jp")
    const secret = resolveOptions({ ...valid, backendUrl: "https://shop.example.com", webhookSecret: "s".repeat(30) })
    expect(webhookUrlFor(secret, "pp_paymentoptions_jp")).toBe(`https://shop.example.com/hooks/paymentoptions/paymentoptions_jp/${"s".repeat(30)}`)
    expect(webhookUrlFor(resolveOptions({ ...valid, webhookUrl: "https://hooks.example.com/x" }), "pp_paymentoptions_jp")).toBe("https://hooks.example.com/x")
  })

  it("uses the live host and honours baseUrl", () => {
    expect(resolveOptions({ ...valid, environment: "live", backendUrl: "https://shop.example.com" }).gatewayUrl).toBe("https://api.paymentoptions.com")
    expect(resolveOptions({ ...valid, baseUrl: "http://127.0.0.1:4010/" }).gatewayUrl).toBe("http://127.0.0.1:4010")
  })

  it("refuses environment live without a public backendUrl or webhookUrl", () => {
    expect(messageOf(() => resolveOptions({ ...valid, environment: "live" }))).toContain('"environment" "live" needs "backendUrl"')
    expect(messageOf(() => resolveOptions({ ...valid, environment: "live", backendUrl: "http://localhost:9000" }))).toContain("public URL")
    expect(messageOf(() => resolveOptions({ ...valid, environment: "live", webhookUrl: "https://hooks.example.com/po" }))).toBe("")
  })

  it("names every missing or malformed option, says what is allowed, and never prints a secret", () => {
    const message = messageOf(() =>
      PaymentOptionsProviderService.validateOptions({
        apiKey: "secret-api-key-value",
        merchantId: "JP000000012345",
        environment: "prod",
        timeoutMs: -1,
        autoRefundOnReturn: "yes",
        captureMode: "later",
      })
    )
    expect(message).toContain('"xApiKey" is required')
    expect(message).toContain('"merchantId" must be at most 10 characters')
    expect(message).toContain('"environment" must be one of "sandbox", "live"')
    expect(message).toContain('"captureMode" must be one of "automatic", "manual"')
    expect(message).toContain('"autoRefundOnReturn" must be true or false')
    expect(message).toContain('"timeoutMs" must be greater than 0')
    expect(message).not.toContain("secret-api-key-value")
    expect(message).not.toContain("JP000000012345")
  })

  it("refuses a non-URL baseUrl", () => {
    expect(messageOf(() => resolveOptions({ ...valid, baseUrl: "not a url" }))).toContain('"baseUrl" must be a URL')
  })
})

describe("where options belong", () => {
  it("warns about provider options placed in the plugins entry, naming where they go", async () => {
    const { lines, logger } = recorder()
    await warnMisplacedOptions({ options: { apiKey: "x", autoRefundOnReturn: true, somethingElse: 1 }, logger } as any)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('"apiKey", "autoRefundOnReturn" in the plugins entry of medusa-config are ignored')
    expect(lines[0]).toContain("@medusajs/medusa/payment")
    expect(lines[0]).not.toContain('"x"')
    const quiet = recorder()
    await warnMisplacedOptions({ options: {}, logger: quiet.logger } as any)
    expect(quiet.lines).toEqual([])
  })

  it("registers the provider under its real id and warns when the plugin is missing from medusa-config", async () => {
    const options = { ...valid }
    const { lines, logger } = recorder()
    const container = (config: unknown) => ({ resolve: (key: string) => (key === "configModule" ? config : logger) }) as any
    await registerPaymentOptionsProvider({
      options,
      moduleOptions: { providers: [{ id: "other", options: { ...valid } }, { id: "jp", options }] },
      container: container({ plugins: [], modules: {} }),
      logger,
    } as any)
    expect(providerIdOf(options)).toBe("pp_paymentoptions_jp")
    expect(lines.join("\n")).toContain('the plugin is not registered: add { resolve: "medusa-payment-paymentoptions" } to "plugins"')

    const registered = recorder()
    await registerPaymentOptionsProvider({
      options,
      moduleOptions: { providers: [{ id: "jp", options }] },
      container: container({ plugins: [{ resolve: "medusa-payment-paymentoptions", options: {} }] }),
      logger: registered.logger,
    } as any)
    expect(registered.lines).toEqual([])
  })
})

describe("option errors name what is wrong", () => {
  const base = { apiKey: "k", xApiKey: "x", merchantId: "JP00000001" }
  it("refuses a URL without // (it would build a webhook URL that goes nowhere)", () => {
    expect(() => resolveOptions({ ...base, backendUrl: "https:shop.example" })).toThrow(/"backendUrl" must be a URL \(http or https\)/)
    expect(() => resolveOptions({ ...base, backendUrl: "https://shop.example" })).not.toThrow()
  })
  it("says 'must be a number' for a wrongly typed option, 'is required' only when it is missing", () => {
    expect(() => resolveOptions({ ...base, timeoutMs: "abc" })).toThrow(/"timeoutMs" must be a number/)
    expect(() => resolveOptions({ xApiKey: "x", merchantId: "JP00000001" })).toThrow(/"apiKey" is required/)
  })
})
