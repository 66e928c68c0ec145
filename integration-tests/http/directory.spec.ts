/**
 * The plugin's one workaround (src/modules/paymentoptions/directory.ts) depends on how Medusa 2.21 loads payment
 * providers: it runs the provider module's `loaders` with this registration's `options` and the payment module's
 * `moduleOptions`, and it creates the provider with that same options object. This spec fails when Medusa changes
 * any of that, before anything subtler breaks.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { providerIdOf, registeredProviderIds, registeredStore } from "../../src/modules/paymentoptions/directory"
import { sandboxForMedusa } from "../helpers/sandbox-for-medusa"

jest.setTimeout(120_000)

sandboxForMedusa(() => ({ PO_LIFECYCLE_PROVIDERS: "1" }))

medusaIntegrationTestRunner({
  testSuite: ({ getContainer }) => {
    it("knows every PaymentOptions registration by its real provider id, and the plugin module's store", async () => {
      expect(registeredProviderIds().sort()).toEqual([
        "pp_paymentoptions_paymentoptions",
        "pp_paymentoptions_poauto",
        "pp_paymentoptions_posecret",
        "pp_paymentoptions_poserver",
      ])
      expect(registeredStore()).toBe(getContainer().resolve("paymentoptions"))
      const payment = getContainer().resolve(Modules.PAYMENT) as any
      const providers = await payment.listPaymentProviders({ id: registeredProviderIds() })
      expect(providers.map((p: any) => p.id).sort()).toEqual(registeredProviderIds().sort())
    })
  },
})
