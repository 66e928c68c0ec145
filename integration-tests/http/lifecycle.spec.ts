/**
 * The whole card lifecycle in a real Medusa 2.21 with the sandbox gateway: manual capture, void, card data
 * and 3-D Secure, saved cards, declines, and webhooks (completing a cart whose shopper never came back,
 * through the shared-secret URL; forged and replayed webhooks change nothing). Gateway secrets (PRE_AUTH ids,
 * card tokens) live in the plugin's operation log, never in session or payment data: the tests read them from
 * the sandbox.
 */
import axios from "axios"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { Modules } from "@medusajs/framework/utils"
import { DECLINE_CARDS, THREE_DS_CARD } from "../../sandbox"
import { sandboxForMedusa, testAdmin } from "../helpers/sandbox-for-medusa"
import { asCustomer, registerCustomer } from "../helpers/customer-flow"
import {
  AuthHeaders,
  completeCart,
  getOrderPayment,
  getPayment,
  payOnHostedPage,
  refund,
  seedStore,
  startCheckout,
} from "../helpers/store-flow"
import { getFreePort } from "../../scripts/postgres"
import settlePendingRefundsJob from "../../src/jobs/settle-pending-refunds"
import type PaymentOptionsModuleService from "../../src/modules/paymentoptions/service"

jest.setTimeout(120_000)

const SECRET = "lifecycle-test-webhook-secret-0123456789"

// The gateway's webhooks must reach this Medusa: a known port, set before the runner loads medusa-config.
let port: number
const sandbox = sandboxForMedusa(async () => {
  port = await getFreePort()
  return {
    PORT: String(port),
    PO_BACKEND_URL: `http://localhost:${port}`,
    PO_LIFECYCLE_PROVIDERS: "1",
    PO_WEBHOOK_DELAY_MS: "100",
    PO_TIMEOUT_MS: "1500",
    // An unknown refund outcome is polled this long before it is recorded as pending.
    PO_REFUND_SETTLE_MS: "300",
    // The tests run the settle job by hand.
    PAYMENTOPTIONS_SETTLE_JOB: "off",
  }
})

const card = (number = "4111111111111111", extra: Record<string, unknown> = {}) => ({
  card: { number, cvc: "123", expiry_month: "12", expiry_year: "30", name: "TARO YAMADA" },
  ...extra,
})

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let admin: AuthHeaders

    beforeEach(async () => {
      sandbox.clearFaults()
      sandbox.configure({ hppTransactionId: "link", threeDsBodyHasTransactionId: true, webhookDuplicates: 0 })
      admin = await testAdmin(api, getContainer)
    })

    async function cardCheckout(providerId: string, number?: string, extra: Record<string, unknown> = {}, unit_price = 4000) {
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price, providerId })
      const { cart, paymentSession } = await startCheckout(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId, providerId })
      const paid = await api.post(`/store/paymentoptions/payment-sessions/${paymentSession.id}/card`, { cart_id: cart.id, ...card(number, extra) }, {
        ...store.storeHeaders,
        validateStatus: () => true,
      })
      return { store, cart, paymentSession, paid }
    }

    /** The session's PRE_AUTH at the gateway (its id is never in Medusa's session or payment data). */
    const preAuthOf = (sessionId: string) => sandbox.transactions().find((t) => t.type === "PRE_AUTH" && t.merchantTxnRef === sessionId)!

    async function sessionOf(cartId: string, storeHeaders: any) {
      const { data } = await api.get(`/store/carts/${cartId}?fields=*payment_collection.payment_sessions`, storeHeaders)
      return data.cart.payment_collection.payment_sessions[0]
    }

    it("manual capture: card authorized at checkout, captured from the admin, refunded against the capture", async () => {
      const { store, cart, paymentSession, paid } = await cardCheckout("pp_paymentoptions_poserver")
      expect(paid.status).toBe(200)
      expect(paid.data.payment_session.status).toBe("authorized")
      expect(JSON.stringify(paid.data)).not.toContain("4111111111111111")

      const done = await completeCart(api, store.storeHeaders, cart.id)
      expect(done.data.type).toBe("order")
      const payment = await getOrderPayment(api, admin, done.data.order.id)
      expect(payment.captured_at).toBeNull()
      const authorization = preAuthOf(paymentSession.id)
      expect(authorization).toMatchObject({ status: "succeeded", amount: "4000" })
      expect(JSON.stringify(payment.data)).not.toContain(authorization.id)
      expect(payment.data.authorization_id).toBeUndefined()
      expect(payment.data.transaction_id).toBeUndefined()
      // The card never reached Medusa's database.
      const rows = await getContainer().resolve("__pg_connection__").raw(`select data::text from payment_session where id = ?`, [paid.data.payment_session.id])
      expect(rows.rows[0].data).not.toContain("4111111111111111")

      // A partial capture is refused: the gateway captures once and releases the rest.
      const partial = await api.post(`/admin/payments/${payment.id}/capture`, { amount: 1000 }, { ...admin, validateStatus: () => true })
      expect(partial.status).toBe(400)
      expect(partial.data.message).toContain("capture the full amount and refund the difference")
      expect(sandbox.transactions().some((t) => t.type === "CAPTURE" && t.parentId === authorization.id)).toBe(false)
      expect((await getPayment(api, admin, payment.id)).captures).toEqual([])

      const captured = await api.post(`/admin/payments/${payment.id}/capture`, {}, admin)
      expect(captured.data.payment.captures.map((c: any) => c.amount)).toEqual([4000])
      const after = await getPayment(api, admin, payment.id)
      const capture = sandbox.transaction(after.data.transaction_id)!
      expect(capture).toMatchObject({ type: "CAPTURE", parentId: authorization.id, amount: "4000" })

      expect((await refund(api, admin, payment.id, { amount: 1500 })).status).toBe(200)
      const gatewayRefund = sandbox.transactions().filter((t) => t.type === "REFUND").at(-1)!
      expect(gatewayRefund).toMatchObject({ parentId: capture.id, amount: "1500" })

      // Void after capture is refused: refund instead.
      await expect(getContainer().resolve(Modules.PAYMENT).cancelPayment(payment.id)).rejects.toThrow("refund it instead")
      expect(sandbox.transactions().some((t) => t.type === "VOID" && t.parentId === authorization.id)).toBe(false)
    })

    it("void before capture: canceling the order releases the authorization", async () => {
      const { store, cart, paymentSession } = await cardCheckout("pp_paymentoptions_poserver")
      const done = await completeCart(api, store.storeHeaders, cart.id)
      const payment = await getOrderPayment(api, admin, done.data.order.id)
      await api.post(`/admin/orders/${done.data.order.id}/cancel`, {}, admin)
      const after = await getPayment(api, admin, payment.id)
      expect(after.canceled_at).not.toBeNull()
      expect(after.data.canceled_at).toEqual(expect.any(String))
      const authorization = preAuthOf(paymentSession.id)
      expect(sandbox.transactions().filter((t) => t.type === "VOID")).toEqual([expect.objectContaining({ parentId: authorization.id, status: "succeeded" })])
      expect(sandbox.transactions().some((t) => t.type === "CAPTURE" && t.parentId === authorization.id)).toBe(false)
      expect(after.refunds).toEqual([])
    })

    it("3-D Secure: the cart waits for the challenge, then becomes an order with the payment captured", async () => {
      const { store, cart, paid } = await cardCheckout("pp_paymentoptions_poauto", THREE_DS_CARD)
      expect(paid.data.payment_session.status).toBe("requires_more")
      const redirectUrl = paid.data.payment_session.data.three_ds.redirect_url
      expect(redirectUrl).toContain(`${sandbox.url}/3ds/`)

      const early = await completeCart(api, store.storeHeaders, cart.id)
      expect(early.status).toBeGreaterThanOrEqual(400)
      expect(early.data.message).toContain("was not authorized")
      expect((await sessionOf(cart.id, store.storeHeaders)).status).toBe("requires_more")

      await axios.post(`${redirectUrl}/complete`, { outcome: "pass" }, { headers: { Accept: "application/json" } })
      const done = await completeCart(api, store.storeHeaders, cart.id)
      expect(done.data.type).toBe("order")
      const payment = await getOrderPayment(api, admin, done.data.order.id)
      expect(payment.captured_at).not.toBeNull()
      expect(sandbox.transaction(payment.data.transaction_id)).toMatchObject({ type: "CAPTURE", amount: "4000" })
    })

    it("3-D Secure failed: no order, and the storefront sees the gateway's reason", async () => {
      const { store, cart, paid } = await cardCheckout("pp_paymentoptions_poauto", THREE_DS_CARD)
      await axios.post(`${paid.data.payment_session.data.three_ds.redirect_url}/complete`, { outcome: "fail" }, { headers: { Accept: "application/json" } })
      const done = await completeCart(api, store.storeHeaders, cart.id)
      expect(done.status).toBeGreaterThanOrEqual(400)
      expect((await api.get(`/admin/orders?fields=id`, admin)).data.orders).toHaveLength(0)
      const session = await sessionOf(cart.id, store.storeHeaders)
      expect(session.status).toBe("error")
      expect(session.data.last_error).toMatchObject({ response_code: 937 })
    })

    it("a declined card shows the gateway's reason to the storefront and creates no order", async () => {
      const declineCard = Object.keys(DECLINE_CARDS)[0]
      const { store, cart, paid } = await cardCheckout("pp_paymentoptions_poauto", declineCard)
      expect(paid.data.payment_session.status).toBe("error")
      expect(paid.data.payment_session.data.last_error).toMatchObject({ response_code: DECLINE_CARDS[declineCard], code: "ERR0204" })
      expect(paid.data.payment_session.data.last_error.message).toEqual(expect.any(String))
      const done = await completeCart(api, store.storeHeaders, cart.id)
      expect(done.status).toBeGreaterThanOrEqual(400)
      const { data } = await api.get(`/admin/orders?fields=id`, admin)
      expect(data.orders).toHaveLength(0)
    })

    it("a saved card pays a later order without card data", async () => {
      // A logged-in customer opts in (save_card) and pays with card data; the gateway's token stays in the plugin.
      const providerId = "pp_paymentoptions_poauto"
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 4000, providerId })
      const customer = await registerCustomer(api, store.storeHeaders, "lifecycle")
      const headers = asCustomer(store.storeHeaders, customer)
      const first = await startCheckout(api, headers, { regionId: store.regionId, variantId: store.variantId, providerId, sessionData: { save_card: true } })
      const paid = await api.post(`/store/paymentoptions/payment-sessions/${first.paymentSession.id}/card`, { cart_id: first.cart.id, ...card() }, headers)
      expect(paid.data.payment_session.status).toBe("authorized")
      const token = preAuthOf(first.paymentSession.id).storedPaymentMethodId!
      expect(token).toEqual(expect.any(String))
      expect(JSON.stringify(paid.data)).not.toContain(token)
      expect((await completeCart(api, headers, first.cart.id)).data.type).toBe("order")
      const saved = await api.post("/store/paymentoptions/payment-methods", { payment_session_id: first.paymentSession.id }, headers)
      const cardId = saved.data.payment_method.id

      const { cart } = await startCheckout(api, headers, {
        regionId: store.regionId,
        variantId: store.variantId,
        providerId,
        sessionData: { payment_method_id: cardId },
      })
      const done = await completeCart(api, headers, cart.id)
      expect(done.data.type).toBe("order")
      const payment = await getOrderPayment(api, admin, done.data.order.id)
      expect(payment.data.payment_method_id).toBe(cardId)
      expect(JSON.stringify(payment.data)).not.toContain(token)
      expect(sandbox.transaction(payment.data.transaction_id)).toMatchObject({ type: "CAPTURE", amount: "4000", storedPaymentMethodId: token })
    })

    it("a webhook through the secret URL completes a cart whose shopper never returned; replays change nothing", async () => {
      // The sale gets its own id (not the link's) and is announced three times.
      sandbox.configure({ hppTransactionId: "new", webhookDuplicates: 2 })
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 3000, providerId: "pp_paymentoptions_posecret" })
      const { cart, paymentSession } = await startCheckout(api, store.storeHeaders, {
        regionId: store.regionId,
        variantId: store.variantId,
        providerId: "pp_paymentoptions_posecret",
      })
      await payOnHostedPage(paymentSession.data.redirect_url)
      // The shopper closes the tab here: nobody calls /store/carts/:id/complete.
      // A paid order: a completion attempt made before the gateway's answer was on record fails and is undone
      // (Medusa deletes the order it began); the webhook's own completion then places it.
      const order = await waitFor("the paid order", async () => {
        const { data } = await api.get(`/admin/orders?fields=id,*payment_collections.payments`, admin)
        return data.orders.find((o: any) => o.payment_collections?.some((pc: any) => pc.payments?.length))
      })
      expect(sandbox.webhooks().filter((w) => w.url.includes(`/hooks/paymentoptions/paymentoptions_posecret/${SECRET}`)).length).toBeGreaterThanOrEqual(3)
      await new Promise((r) => setTimeout(r, 1500)) // let the replays be processed
      const { data } = await api.get(`/admin/orders?fields=id`, admin)
      expect(data.orders).toHaveLength(1)
      const payment = await getOrderPayment(api, admin, order.id)
      expect(payment.captures).toHaveLength(1)
      expect(payment.data.transaction_id).not.toBe(paymentSession.data.hpp_link_id)
      // The sale the webhook named (the gateway gave it its own id, not the link's).
      const sale = sandbox.transactions().find((t) => t.type === "CAPTURE" && t.merchantTxnRef === paymentSession.id)!
      expect(payment.data.transaction_id).toBe(sale.id)
      expect(sandbox.webhooks().some((w) => w.transactionId === sale.id && w.status === 200)).toBe(true)
      const cartAfter = await api.get(`/store/carts/${cart.id}`, store.storeHeaders).catch((e: any) => e.response)
      expect(cartAfter.data.cart?.completed_at ?? "completed").toBeTruthy()
    })

    it("a refund whose answer timed out after the gateway committed it: the gateway's webhook names it and Check now settles it; a refund left pending at the gateway is settled by the job", async () => {
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })
      const paidHosted = async () => {
        const { cart, paymentSession } = await startCheckout(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId })
        await payOnHostedPage(paymentSession.data.redirect_url)
        const done = await completeCart(api, store.storeHeaders, cart.id)
        return getOrderPayment(api, admin, done.data.order.id)
      }
      const operations = getContainer().resolve<PaymentOptionsModuleService>("paymentoptions") // the plugin module's key
      for (const settleBy of ["button", "job"] as const) {
        const payment = await paidHosted()
        // "button": the answer is lost after the gateway committed the refund (it has no id until the webhook names it).
        // "job": the gateway answers that the refund is still being processed (its id is known, its outcome not yet).
        sandbox.addFault(
          settleBy === "button"
            ? { op: "refund", fault: "timeout_after", transactionId: payment.data.transaction_id, delayMs: 4000 }
            : { op: "refund", fault: "pending", transactionId: payment.data.transaction_id }
        )
        expect((await refund(api, admin, payment.id, { amount: 1000 })).status).toBe(200)
        const pending = await getPayment(api, admin, payment.id)
        const refundId = pending.refunds[0].id
        expect(pending.data.refunds[refundId]).toMatchObject({ status: "pending" })
        const gatewayRefund = sandbox.transactions().find((t) => t.type === "REFUND" && t.parentId === payment.data.transaction_id)!

        if (settleBy === "button") {
          expect(pending.data.refunds[refundId].transaction_id).toBeNull()
          // The refund was committed and announced on the payment's webhook URL: the plugin's webhook handling gives
          // the refund's operation its id and writes the gateway's answer to the payment's ledger, under its lock.
          await waitFor("the refund's gateway id", async () => (await operations.findOperation(`refund:${refundId}`))?.transaction_id === gatewayRefund.id)
          await waitFor("the ledger", async () => (await getPayment(api, admin, payment.id)).data.refunds[refundId].status === "succeeded")
          // Check now finds nothing left to change.
          const settled = await api.post(`/admin/paymentoptions/payments/${payment.id}/settle`, {}, admin)
          expect(settled.data).toMatchObject({ changed: [], needs_operator: [], refunded_amount: "1000" })
        } else {
          expect(pending.data.refunds[refundId].transaction_id).toBe(gatewayRefund.id)
          expect(gatewayRefund.status).toBe("pending")
          sandbox.settle(gatewayRefund.id, "succeeded")
          await settlePendingRefundsJob(getContainer())
        }
        const after = await getPayment(api, admin, payment.id)
        expect(after.data.refunds[refundId]).toMatchObject({ status: "succeeded", transaction_id: gatewayRefund.id, ref: String(gatewayRefund.ref) })
        expect(after.data.refunded_amount).toBe("1000")
        // Never resent: exactly one gateway refund, and the next refund goes through.
        expect(sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === payment.data.transaction_id)).toHaveLength(1)
        expect((await refund(api, admin, payment.id, { amount: 500 })).status).toBe(200)
      }
    })

    it("forged webhooks change nothing", async () => {
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 3000, providerId: "pp_paymentoptions_posecret" })
      const { cart, paymentSession } = await startCheckout(api, store.storeHeaders, {
        regionId: store.regionId,
        variantId: store.variantId,
        providerId: "pp_paymentoptions_posecret",
      })
      const forged = {
        success: true,
        transaction_type: "CAPTURE",
        gateway_response: { code: "INFO0000", message: "Payment Successful." },
        merchant_details: { mid: sandbox.credentials.merchantId, merchant_txn_ref: paymentSession.id },
        payment_details: { amount: 3000, response_code: 0, currency: "JPY" },
        transaction_details: { id: paymentSession.data.hpp_link_id, ref: 1 },
      }
      const base = `http://localhost:${port}`
      // Wrong secret: refused outright. Medusa's generic route: accepted by Medusa, ignored by the provider.
      expect((await axios.post(`${base}/hooks/paymentoptions/paymentoptions_posecret/wrong-secret-0123456789-abcdef`, forged, { validateStatus: () => true })).status).toBe(404)
      expect((await axios.post(`${base}/hooks/payment/paymentoptions_posecret`, forged, { validateStatus: () => true })).status).toBe(200)
      // Right secret, but the gateway knows of no payment on that link yet: Transaction Status says so.
      expect((await axios.post(`${base}/hooks/paymentoptions/paymentoptions_posecret/${SECRET}`, forged, { validateStatus: () => true })).status).toBe(200)
      await new Promise((r) => setTimeout(r, 2000))
      const { data } = await api.get(`/admin/orders?fields=id`, admin)
      expect(data.orders).toHaveLength(0)
      const session = await sessionOf(cart.id, store.storeHeaders)
      expect(session.status).toBe("pending")
    })
  },
})
