/**
 * Harness smoke test: a real Medusa 2.21 boots from ./medusa-config.ts with the
 * PaymentOptions provider registered, admin auth works, a JPY store can be seeded, and the
 * store-flow helpers can run one checkout through the bundled sandbox's hosted page.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { createUserAccountWorkflow } from "@medusajs/medusa/core-flows"
import { Modules } from "@medusajs/framework/utils"
import { startSandbox } from "../../sandbox"
import { providerIdOf, providerOptionsOf, registeredProviderIds, registeredStore } from "../../src/modules/paymentoptions/directory"
import {
  adminHeaders,
  checkoutWithHostedPage,
  getOrderPayment,
  seedStore,
  PAYMENTOPTIONS_PROVIDER_ID,
} from "../helpers/store-flow"

jest.setTimeout(120_000)

// The sandbox must be up (and PO_BASE_URL set) before the runner loads medusa-config:
// a top-level beforeAll runs before the runner's own beforeAll. (The runner's `env`
// option is applied only AFTER the config has been loaded, so it cannot carry PO_BASE_URL.)
let sandbox: Awaited<ReturnType<typeof startSandbox>>
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, quiet: true })
  process.env.PO_BASE_URL = sandbox.url
})
afterAll(async () => {
  await sandbox?.close()
})

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    const createUser = async (authIdentityId: string, email: string) => {
      await createUserAccountWorkflow(getContainer()).run({
        input: { authIdentityId, userData: { email } },
      })
    }

    describe("harness smoke", () => {
      // The plugin's one workaround (src/modules/paymentoptions/directory.ts) depends on how Medusa 2.21 loads payment
      // providers: it runs the provider module's `loaders` with this registration's `options` and the payment
      // module's `moduleOptions`, and creates the provider with that same options object. This fails when Medusa
      // changes any of that, before anything subtler breaks.
      it("knows the PaymentOptions registration by its real provider id, and the plugin module's store", async () => {
        expect(registeredProviderIds()).toContain(PAYMENTOPTIONS_PROVIDER_ID)
        expect(registeredStore()).toBe(getContainer().resolve("paymentoptions"))
        const options = providerOptionsOf(PAYMENTOPTIONS_PROVIDER_ID)!
        expect(providerIdOf(options)).toBe(PAYMENTOPTIONS_PROVIDER_ID)
        const payment = getContainer().resolve(Modules.PAYMENT) as any
        const providers = await payment.listPaymentProviders({ id: registeredProviderIds() })
        expect(providers.map((p: any) => p.id).sort()).toEqual(registeredProviderIds().sort())
      })

      it("boots, logs in an admin, lists the provider and seeds a JPY store", async () => {
        const health = await api.get("/health")
        expect(health.status).toBe(200)

        const admin = await adminHeaders(api, createUser)

        const providers = await api.get("/admin/payments/payment-providers", admin)
        const ids = providers.data.payment_providers.map((p: any) => p.id)
        expect(ids).toContain(PAYMENTOPTIONS_PROVIDER_ID)

        const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })
        expect(store.regionId).toMatch(/^reg_/)

        const { data } = await api.get(
          `/store/products?region_id=${store.regionId}&fields=*variants.calculated_price`,
          store.storeHeaders
        )
        expect(data.products).toHaveLength(1)
        expect(data.products[0].variants[0].calculated_price.calculated_amount).toBe(5000)
        expect(data.products[0].variants[0].calculated_price.currency_code).toBe("jpy")
      })

      it("checks out through the sandbox hosted page into a captured order", async () => {
        const admin = await adminHeaders(api, createUser)
        const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })

        const { order, paymentSession } = await checkoutWithHostedPage(api, store.storeHeaders, {
          regionId: store.regionId,
          variantId: store.variantId,
        })
        expect(paymentSession.data.redirect_url).toContain(sandbox.url)
        // The provider instance Medusa created found its own id: the gateway was given Medusa's webhook route for it.
        const link = sandbox.requests().find((r) => r.path.endsWith("/hpp/generate/link"))!
        expect((link.body as any).return_url.webhook_url).toMatch(/\/hooks\/payment\/paymentoptions_paymentoptions$/)
        expect(order.id).toMatch(/^order_/)

        const payment = await getOrderPayment(api, admin, order.id)
        expect(payment.amount).toBe(5000)
        expect(payment.captures.map((c: any) => c.amount)).toEqual([5000])
        // The payment is the gateway's sale for this very session, and its data holds no gateway secrets.
        const sale = sandbox.transaction(payment.data.transaction_id)
        expect(sale).toMatchObject({ type: "CAPTURE", status: "succeeded", merchantTxnRef: paymentSession.id, amount: "5000" })
        expect(Object.keys(payment.data)).not.toEqual(expect.arrayContaining(["authorization_id"]))
        expect(Object.keys(payment.data)).not.toEqual(expect.arrayContaining(["stored_payment_method_id"]))
      })
    })
  },
})
