import { resolveOptions } from "../src/providers/paymentoptions/options"
import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"

const valid = { apiKey: "secret-api-key-value", xApiKey: "secret-x-key-value", merchantId: "JP00000001" }

describe("provider options", () => {
  it("defaults to the sandbox host and builds the webhook URL from backendUrl", () => {
    const o = resolveOptions(valid)
    expect(o.gatewayUrl).toBe("https://api-dev.paymentoptions.com")
    expect(o.apiPathPrefix).toBe("/api/v1/server-to-server-interface")
    expect(o.hookUrl).toBe("http://localhost:9000/hooks/payment/paymentoptions_paymentoptions")
    expect(o.timeoutMs).toBe(30000)
  })

  it("uses the live host and honours baseUrl", () => {
    expect(resolveOptions({ ...valid, environment: "live" }).gatewayUrl).toBe("https://api.paymentoptions.com")
    expect(resolveOptions({ ...valid, baseUrl: "http://127.0.0.1:4010/" }).gatewayUrl).toBe("http://127.0.0.1:4010")
  })

  it("names every missing or malformed option and never prints a secret", () => {
    let message = ""
    try {
      PaymentOptionsProviderService.validateOptions({ apiKey: "secret-api-key-value", merchantId: "JP000000012345", environment: "prod", timeoutMs: -1 })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toContain('"xApiKey" is required')
    expect(message).toContain('"merchantId" must be at most 10 characters')
    expect(message).toContain('"environment" must be one of "sandbox", "live"')
    expect(message).toContain('"timeoutMs"')
    expect(message).not.toContain("secret-api-key-value")
    expect(message).not.toContain("JP000000012345")
  })

  it("refuses a non-URL baseUrl", () => {
    expect(() => resolveOptions({ ...valid, baseUrl: "not a url" })).toThrow('"baseUrl" must be a URL')
  })
})
