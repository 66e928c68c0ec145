/**
 * The automatic refund of a received return (provider option autoRefundOnReturn, on here through
 * PO_AUTO_REFUND_ON_RETURN=1) in a real Medusa 2.21 with real PostgreSQL and the bundled sandbox gateway:
 * the admin's return flow over HTTP → `order.return_received` → the plugin's subscriber → the workflow
 * paymentoptions-refund-received-return → Medusa's refundPaymentWorkflow → the provider → the gateway.
 *
 * The return's claim is a row of the plugin's module (GET /admin/paymentoptions/orders/:id → return_refunds),
 * mirrored onto the return as `metadata.paymentoptions_refund` = { claim_id, status } once the workflow ends.
 */
import { capturePaymentWorkflow, refundPaymentWorkflow } from "@medusajs/medusa/core-flows"
import { Modules, OrderWorkflowEvents } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { getFreePort } from "../../scripts/postgres"
import settlePendingRefundsJob from "../../src/jobs/settle-pending-refunds"
import refundReceivedReturn from "../../src/subscribers/refund-received-return"
import { orderLockKey, paymentLockKey } from "../../src/workflows/helpers/locks"
import { gatewayRefundsOf as refundsOf, sandboxForMedusa, testAdmin } from "../helpers/sandbox-for-medusa"
import {
  createReturnShippingOption,
  fulfillOrder,
  getReturn,
  orderItems,
  orderSummary,
  payMoreWithSecondPayment,
  receiveReturn,
  returnAndReceive,
  setupFulfillment,
  waitFor,
} from "../helpers/returns-flow"
import {
  AuthHeaders,
  capture,
  checkoutWithHostedPage,
  getOrderPayment,
  getPayment,
  payOnHostedPage,
  PAYMENTOPTIONS_PROVIDER_ID,
  refund,
  seedStore,
} from "../helpers/store-flow"

jest.setTimeout(120_000)

const sandbox = sandboxForMedusa(async () => {
  // The gateway's webhooks come back to this Medusa (a known port), not to whatever listens on :9000.
  const port = await getFreePort()
  return {
    PORT: String(port),
    PO_BACKEND_URL: `http://localhost:${port}`,
    PO_TIMEOUT_MS: "1500",
    PO_AUTO_REFUND_ON_RETURN: "1",
    PO_REFUND_SETTLE_MS: "300",
    // The scheduled settle job must not run by itself during the tests (one test runs it by hand).
    PAYMENTOPTIONS_SETTLE_JOB: "off",
  }
})
const gatewayRefundsOf = (transactionId: string) => refundsOf(sandbox, transactionId)

const MARKER = "paymentoptions_refund"
const FINAL = ["succeeded", "partial", "failed", "nothing_owed"]

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let admin: AuthHeaders

    beforeEach(async () => {
      sandbox.clearFaults()
      // Refund webhooks would settle a lost answer by themselves a moment later; the tests decide when.
      sandbox.configure({ refundWebhooks: false })
      admin = await testAdmin(api, getContainer)
    })

    /** A paid, captured and fulfilled order of `quantity` × ¥5,000. */
    async function fulfilledOrder(quantity = 1, providerId = PAYMENTOPTIONS_PROVIDER_ID) {
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000, providerId })
      const fulfillment = await setupFulfillment(api, admin, { salesChannelId: store.salesChannelId, countryCode: "jp", currency_code: "jpy" })
      const { order } = await checkoutWithHostedPage(api, store.storeHeaders, {
        regionId: store.regionId,
        variantId: store.variantId,
        quantity,
        providerId,
        skipPay: providerId !== PAYMENTOPTIONS_PROVIDER_ID,
      })
      const payment = await getOrderPayment(api, admin, order.id)
      if (providerId !== PAYMENTOPTIONS_PROVIDER_ID) await capture(api, admin, payment.id)
      await fulfillOrder(api, admin, order.id, fulfillment)
      const items = await orderItems(api, admin, order.id)
      return { store, fulfillment, order, payment, items }
    }

    /** The return's claim as the order's PaymentOptions panel shows it (GET /admin/paymentoptions/orders/:id). */
    async function claimOf(orderId: string, returnId: string) {
      const { data } = await api.get(`/admin/paymentoptions/orders/${orderId}`, admin)
      return (data.order.return_refunds as any[]).find((c) => c.return_id === returnId) ?? null
    }

    /** The claim once it is final and mirrored on the return's metadata (or null if that does not happen in time). */
    async function finalClaim(orderId: string, returnId: string, statuses = FINAL, timeoutMs = 20_000) {
      return waitFor(async () => {
        const claim = await claimOf(orderId, returnId)
        if (!claim || !statuses.includes(claim.status)) return null
        const marker = (await getReturn(api, admin, returnId)).metadata?.[MARKER]
        return marker?.status === claim.status ? claim : null
      }, timeoutMs)
    }

    async function orderDetail(orderId: string) {
      const { data } = await api.get(`/admin/orders/${orderId}?fields=${encodeURIComponent("id,*transactions,*credit_lines,summary")}`, admin)
      return data.order
    }

    it("a received return refunds exactly what is owed, once, exactly like the Refund button; more deliveries do nothing", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(2)
      const emitted = jest.spyOn(getContainer().resolve(Modules.EVENT_BUS), "emit")
      const returnId = await returnAndReceive(api, admin, {
        orderId: order.id,
        locationId: fulfillment.locationId,
        items: [{ id: items[0].id, quantity: 1 }],
      })

      const claim = await finalClaim(order.id, returnId)
      // refundPaymentWorkflow emitted payment.refunded, as for the Refund button.
      const events = emitted.mock.calls.flatMap((call) => [call[0]].flat() as any[])
      expect(events).toContainEqual(expect.objectContaining({ name: "payment.refunded", data: { id: payment.id } }))
      emitted.mockRestore()
      expect(claim).toMatchObject({
        id: expect.stringMatching(/^poret_/),
        status: "succeeded",
        currency_code: "jpy",
        owed: "5000",
        refunds: [{ payment_id: payment.id, refund_id: expect.stringMatching(/^ref_/), amount: "5000", status: "succeeded" }],
        not_refunded: null,
        error: null,
        finished_at: expect.any(String),
      })
      expect((await getReturn(api, admin, returnId)).metadata[MARKER]).toEqual({ claim_id: claim.id, status: "succeeded" })

      // The gateway got one refund of ¥5,000; Medusa has its refund row, the order its refund transaction.
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => [t.amount, t.notes])).toEqual([["5000", `Medusa refund ${claim.refunds[0].refund_id}`]])
      const record = await getPayment(api, admin, payment.id)
      expect(record.refunds).toHaveLength(1)
      expect(record.refunds[0]).toMatchObject({ id: claim.refunds[0].refund_id, amount: 5000, note: `Automatic refund for return ${returnId}` })
      expect(record.data.refunds[record.refunds[0].id]).toMatchObject({ status: "succeeded", amount: "5000" })
      expect(record.data.refunded_amount).toBe("5000")
      const detail = await orderDetail(order.id)
      expect(detail.transactions.filter((t: any) => t.reference === "refund")).toEqual([
        expect.objectContaining({ amount: -5000, reference_id: record.refunds[0].id }),
      ])
      // Refunded exactly what was owed: no credit line, nothing pending.
      expect(detail.credit_lines).toEqual([])
      expect(detail.summary.pending_difference).toBe(0)
      expect(detail.summary.refunded_total).toBe(5000)

      // The event delivered again through the event bus, and twice more straight to the subscriber, at once.
      const container = getContainer()
      const event = { name: OrderWorkflowEvents.RETURN_RECEIVED, data: { order_id: order.id, return_id: returnId } }
      await Promise.all([
        container.resolve(Modules.EVENT_BUS).emit(event),
        refundReceivedReturn({ event, container, pluginOptions: {} } as any),
        refundReceivedReturn({ event, container, pluginOptions: {} } as any),
      ])
      await new Promise((r) => setTimeout(r, 1500))
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(1)
      expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(1)
      expect(await claimOf(order.id, returnId)).toEqual(claim)
    })

    it("concurrent deliveries of the first receipt still refund once", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      const returnId = await returnAndReceive(api, admin, {
        orderId: order.id,
        locationId: fulfillment.locationId,
        items: [{ id: items[0].id, quantity: 1 }],
      })
      // Race the bus's own delivery with three more, before the first can have finished.
      const container = getContainer()
      const event = { name: OrderWorkflowEvents.RETURN_RECEIVED, data: { order_id: order.id, return_id: returnId } }
      await Promise.all([1, 2, 3].map(() => refundReceivedReturn({ event, container, pluginOptions: {} } as any)))
      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ amount: "5000", status: "succeeded" }] })
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(1)
      expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(1)
      const { data } = await api.get(`/admin/paymentoptions/orders/${order.id}`, admin)
      expect(data.order.return_refunds).toHaveLength(1)
    })

    it("a return received in two steps is refunded once, when its last item arrives", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(2)
      const returnId = await returnAndReceive(api, admin, {
        orderId: order.id,
        locationId: fulfillment.locationId,
        items: [{ id: items[0].id, quantity: 2 }],
        receive: [{ id: items[0].id, quantity: 1 }],
      })
      await new Promise((r) => setTimeout(r, 1500))
      expect(await claimOf(order.id, returnId)).toBeNull()
      expect((await getReturn(api, admin, returnId)).metadata?.[MARKER]).toBeUndefined()
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(-5000)

      await receiveReturn(api, admin, returnId, [{ id: items[0].id, quantity: 1 }])
      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({ status: "succeeded", owed: "10000", refunds: [{ payment_id: payment.id, amount: "10000", status: "succeeded" }] })
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["10000"])
      // Medusa 2.21 leaves a return received in two steps "partially_received" (its item keeps the last step's quantity).
      expect((await getReturn(api, admin, returnId)).status).toBe("partially_received")
    })

    it("an order split over two PaymentOptions payments: oldest first, never above a payment's balance", async () => {
      const store = await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000 })
      const fulfillment = await setupFulfillment(api, admin, { salesChannelId: store.salesChannelId, countryCode: "jp", currency_code: "jpy" })
      const { order } = await checkoutWithHostedPage(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId })
      const first = await getOrderPayment(api, admin, order.id)
      const secondId = await payMoreWithSecondPayment(api, admin, {
        orderId: order.id,
        variantId: store.variantId,
        quantity: 1,
        providerId: PAYMENTOPTIONS_PROVIDER_ID,
        pay: (url) => payOnHostedPage(url),
        // What Medusa does with an auto-captured order payment: authorize the session, record the capture on the order.
        authorize: async (sessionId) => {
          const payment = (await getContainer().resolve(Modules.PAYMENT).authorizePaymentSession(sessionId, {}))!
          await capturePaymentWorkflow(getContainer()).run({ input: { payment_id: payment.id } })
          return payment.id
        },
      })
      const second = await getPayment(api, admin, secondId)
      expect(second.captures.map((c: any) => c.amount)).toEqual([5000])
      await fulfillOrder(api, admin, order.id, fulfillment)
      const items = await orderItems(api, admin, order.id)
      const units = items.flatMap((i: any) => Array.from({ length: i.quantity }, () => i.id))
      expect(units).toHaveLength(2)

      // First return: ¥5,000 owed, all of it on the oldest payment.
      const r1 = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: units[0], quantity: 1 }] })
      expect(await finalClaim(order.id, r1)).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ payment_id: first.id, amount: "5000", status: "succeeded" }] })

      // Second return: the oldest payment has nothing left, so the second one pays it.
      const r2 = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: units[1], quantity: 1 }] })
      expect(await finalClaim(order.id, r2)).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ payment_id: secondId, amount: "5000", status: "succeeded" }] })

      expect(gatewayRefundsOf(first.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      expect(gatewayRefundsOf(second.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(0)
    })

    it("an order paid with another provider: nothing is refunded by us, the claim says what is left and why", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1, "pp_system_default")
      expect(payment.provider_id).toBe("pp_system_default")
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({
        status: "partial",
        owed: "5000",
        refunds: [],
        not_refunded: { amount: "5000", payments: [{ payment_id: payment.id, reason: expect.stringContaining("pp_system_default"), refundable: "5000" }] },
      })
      expect((await getPayment(api, admin, payment.id)).refunds).toEqual([])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(-5000)
      // Reconciliation lists it, with what to do.
      const { data } = await api.get("/admin/paymentoptions/reconciliation", admin)
      expect(data.items).toContainEqual(
        expect.objectContaining({ kind: "return_refund_stuck", order_id: order.id, amount: "5000", detail: expect.stringContaining(returnId), action: expect.stringContaining("Refund") })
      )
    })

    it("a return that owes nothing (its shipping costs what the item did) refunds nothing", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      const returnShipping = await createReturnShippingOption(api, admin, { shippingOptionId: fulfillment.shippingOptionId, currency_code: "jpy" })
      const returnId = await returnAndReceive(api, admin, {
        orderId: order.id,
        locationId: fulfillment.locationId,
        items: [{ id: items[0].id, quantity: 1 }],
        shipping: { shippingOptionId: returnShipping, amount: 5000 },
      })
      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({ status: "nothing_owed", owed: "0", refunds: [] })
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)
      expect((await getPayment(api, admin, payment.id)).refunds).toEqual([])
    })

    it("a gateway failure: claim failed with the reason, logged with the ids, no refund row, nothing sent twice", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      const logger = getContainer().resolve("logger")
      const errors = jest.spyOn(logger, "error")
      sandbox.addFault({ op: "refund", fault: "decline", transactionId: payment.data.transaction_id })
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })

      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({
        status: "failed",
        owed: "5000",
        refunds: [{ payment_id: payment.id, refund_id: null, amount: "5000", status: "failed", error: expect.stringContaining("declined") }],
        error: expect.stringContaining("declined"),
      })
      const logged = errors.mock.calls.map((c) => String(c[0])).find((line) => line.includes(returnId))
      expect(logged).toContain(order.id)
      expect(logged).toContain("declined")
      errors.mockRestore()
      // Medusa deleted its refund row; the order still owes the money; the gateway committed nothing.
      expect((await getPayment(api, admin, payment.id)).refunds).toEqual([])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(-5000)
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)

      // Another delivery does not retry on its own: the admin decides (Refund button).
      const event = { name: OrderWorkflowEvents.RETURN_RECEIVED, data: { order_id: order.id, return_id: returnId } }
      await refundReceivedReturn({ event, container: getContainer(), pluginOptions: {} } as any)
      const refundRequests = sandbox.requests().filter((r) => r.path.endsWith("/refund") && (r.body as any)?.transactionId === payment.data.transaction_id)
      expect(refundRequests).toHaveLength(1)
      expect((await claimOf(order.id, returnId)).status).toBe("failed")
      expect((await getReturn(api, admin, returnId)).metadata[MARKER].status).toBe("failed")
    })

    it("a return received while another operation holds its payment's lock waits for that lock, then refunds once", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      // Someone holds the payment's lock for 3 s (what Check now, the settle job or a cancel's guard take).
      const locking = getContainer().resolve(Modules.LOCKING)
      await locking.acquire(paymentLockKey(payment.id), { ownerId: "test-holder", expire: 60 })
      const released = new Promise((r) => setTimeout(r, 3000)).then(() => locking.release(paymentLockKey(payment.id), { ownerId: "test-holder" }))
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      await released
      const claim = await finalClaim(order.id, returnId, FINAL, 45_000)
      expect(claim).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ payment_id: payment.id, amount: "5000", status: "succeeded" }] })
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      // Nothing of the workflow's locks is left behind: the order and payment can be locked again at once.
      await locking.acquire([orderLockKey(order.id), paymentLockKey(payment.id)], { ownerId: "test-after", expire: 5 })
      await locking.release([orderLockKey(order.id), paymentLockKey(payment.id)], { ownerId: "test-after" })
    })

    it("a refund by hand made while the automatic refund waits for the locks is taken into account: nothing more is refunded", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(2)
      // The admin's Refund press holds the order's and the payment's locks (what the plugin's middleware takes)...
      const locking = getContainer().resolve(Modules.LOCKING)
      const keys = [orderLockKey(order.id), paymentLockKey(payment.id)]
      await locking.acquire(keys, { ownerId: "admin-press", expire: 60 })
      // ...while the return is received: the automatic refund claims it and waits for those locks.
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      expect(await waitFor(async () => (await claimOf(order.id, returnId))?.status === "in_progress", 10_000, 50)).toBe(true)
      // The press refunds the returned item's ¥5,000 (Medusa's own refund workflow, as the route runs it), then lets go.
      await refundPaymentWorkflow(getContainer()).run({ input: { payment_id: payment.id, amount: 5000, note: "by hand" } })
      await locking.release(keys, { ownerId: "admin-press" })

      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({ status: "nothing_owed", refunds: [] })
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(0)
    })

    it("a timeout after the gateway committed: the automatic refund is recorded pending, never resent, and listed", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: payment.data.transaction_id, delayMs: 5000 })
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({ status: "succeeded", refunds: [{ payment_id: payment.id, amount: "5000", status: "pending" }] })
      const refundId = claim.refunds[0].refund_id
      const record = await getPayment(api, admin, payment.id)
      expect(record.data.refunds[refundId]).toMatchObject({ status: "pending", transaction_id: null })
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.notes)).toEqual([`Medusa refund ${refundId}`])

      // Reconciliation lists it with what fixes it (its gateway notes carry the Medusa refund id).
      const { data } = await api.get("/admin/paymentoptions/reconciliation", admin)
      expect(data.items).toContainEqual(
        expect.objectContaining({
          kind: "refund_unknown",
          payment_id: payment.id,
          order_id: order.id,
          refund_id: refundId,
          action: expect.stringContaining(`/admin/paymentoptions/payments/${payment.id}/refunds/${refundId}/resolve`),
        })
      )
    })

    it("a return received while an earlier refund's outcome is unknown waits, then the settle job refunds exactly what is owed", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(2)
      const txn = payment.data.transaction_id
      // A ¥1,000 goodwill refund the gateway leaves pending (it has a gateway id).
      sandbox.addFault({ op: "refund", fault: "unclear", transactionId: txn })
      expect((await refund(api, admin, payment.id, { amount: 1000, note: "goodwill" })).status).toBe(200)
      const [goodwill] = gatewayRefundsOf(txn)

      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      const waiting = await finalClaim(order.id, returnId, ["waiting"])
      expect(waiting).toMatchObject({ status: "waiting", owed: "5000", error: expect.stringContaining(payment.id) })
      expect(gatewayRefundsOf(txn)).toHaveLength(1)
      // Listed, with what happens next.
      let { data } = await api.get("/admin/paymentoptions/reconciliation", admin)
      expect(data.items).toContainEqual(expect.objectContaining({ kind: "return_refund_stuck", order_id: order.id, action: expect.stringContaining("settle job") }))
      // A refund by hand meanwhile is refused before the gateway: the earlier outcome is still unknown.
      const byHand = await refund(api, admin, payment.id, { amount: 500 })
      expect(byHand.status).toBe(400)
      expect(gatewayRefundsOf(txn)).toHaveLength(1)

      // The gateway settles the goodwill refund; the job settles it and retries the return.
      sandbox.settle(goodwill.id, "succeeded")
      const run = await settlePendingRefundsJob(getContainer())
      expect(run.errors).toBe(0)
      const claim = await finalClaim(order.id, returnId)
      expect(claim).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ payment_id: payment.id, amount: "5000", status: "succeeded" }] })
      expect(gatewayRefundsOf(txn).map((t) => [t.amount, t.status])).toEqual([
        ["1000", "succeeded"],
        ["5000", "succeeded"],
      ])
      const record = await getPayment(api, admin, payment.id)
      expect(record.data.refunded_amount).toBe("6000")
      expect(Object.values(record.data.refunds).map((r: any) => r.status)).toEqual(["succeeded", "succeeded"])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(0)
      ;({ data } = await api.get("/admin/paymentoptions/reconciliation", admin))
      expect(data.items.filter((i: any) => i.order_id === order.id)).toEqual([])
    })
  },
})
