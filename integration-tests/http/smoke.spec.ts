/**
 * Harness smoke test: a real Medusa 2.21 boots from ./medusa-config.ts with the
 * PaymentOptions provider registered, admin auth works, a JPY store can be seeded, and the
 * store-flow helpers can run one checkout through the bundled sandbox's hosted page.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { createUserAccountWorkflow } from "@medusajs/medusa/core-flows"
import { startSandbox } from "../../sandbox"
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
