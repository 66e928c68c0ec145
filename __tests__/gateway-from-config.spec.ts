import { ConfigModule } from "@medusajs/framework/types"
import { defineConfig } from "@medusajs/framework/utils"
import { gatewayFromConfig, maybeGatewayFromConfig, paymentOptionsProviderIds } from "../src/lib/gateway-from-config"
import providerModule from "../src/providers/paymentoptions"

const credentials = { apiKey: "k", xApiKey: "x", merchantId: "JP00000001" }

// The shape Medusa 2.21 hands to code through the container: defineConfig's output (modules keyed by service name).
function config(providers: unknown[]): ConfigModule {
  return defineConfig({
    projectConfig: {
      databaseUrl: "postgres://localhost/unused",
      http: { storeCors: "", adminCors: "", authCors: "", jwtSecret: "s", cookieSecret: "s" },
    },
    modules: [{ resolve: "@medusajs/medusa/payment", options: { providers } }],
  }) as unknown as ConfigModule
}

describe("gatewayFromConfig", () => {
  it("finds the provider in defineConfig's modules.payment, by path or package resolve", () => {
    const byPath = config([{ resolve: "./src/providers/paymentoptions", id: "paymentoptions", options: credentials }])
    expect(gatewayFromConfig(byPath).providerId).toBe("pp_paymentoptions_paymentoptions")
    const byPackage = config([{ resolve: "medusa-payment-paymentoptions/providers/paymentoptions", id: "po", options: credentials }])
    expect(gatewayFromConfig(byPackage, "pp_paymentoptions_po").options.merchantId).toBe("JP00000001")
  })

  it("finds a provider registered by its module object", () => {
    const cfg = config([{ resolve: providerModule, id: "paymentoptions", options: credentials }])
    expect(paymentOptionsProviderIds(cfg)).toEqual(["pp_paymentoptions_paymentoptions"])
  })

  it("reads autoRefundOnReturn (off by default; env strings accepted)", () => {
    const cfg = config([
      { resolve: "./src/providers/paymentoptions", id: "paymentoptions", options: credentials },
      { resolve: "./src/providers/paymentoptions", id: "auto", options: { ...credentials, autoRefundOnReturn: "1" } },
      { resolve: "@medusajs/medusa/payment-stripe", id: "stripe", options: { apiKey: "sk" } },
    ])
    expect(paymentOptionsProviderIds(cfg)).toEqual(["pp_paymentoptions_paymentoptions", "pp_paymentoptions_auto"])
    expect(gatewayFromConfig(cfg).options.autoRefundOnReturn).toBe(false)
    expect(gatewayFromConfig(cfg, "pp_paymentoptions_auto").options.autoRefundOnReturn).toBe(true)
  })

  it("says clearly when the provider is missing", () => {
    const cfg = config([])
    expect(() => gatewayFromConfig(cfg)).toThrow('no provider "pp_paymentoptions_paymentoptions" is configured')
    expect(maybeGatewayFromConfig(cfg)).toBeNull()
  })
})
