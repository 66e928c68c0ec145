/**
 * The automatic refund of a received return (provider option autoRefundOnReturn, on here through
 * PO_AUTO_REFUND_ON_RETURN=1) in a real Medusa 2.21 with real PostgreSQL and the bundled sandbox gateway:
 * the admin's return flow over HTTP → `order.return_received` → the plugin's subscriber →
 * refundPaymentWorkflow → the provider → the gateway.
 */
import { capturePaymentWorkflow } from "@medusajs/medusa/core-flows"
import { Modules, OrderWorkflowEvents } from "@medusajs/framework/utils"
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { gatewayRefundsOf as refundsOf, sandboxForMedusa, testAdmin } from "../helpers/sandbox-for-medusa"
import refundOnReturnReceived from "../../src/subscribers/refund-on-return-received"
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
  seedStore,
} from "../helpers/store-flow"

jest.setTimeout(120_000)

const sandbox = sandboxForMedusa(() => ({
  PO_TIMEOUT_MS: "1500",
  PO_AUTO_REFUND_ON_RETURN: "1",
  PO_REFUND_SETTLE_MS: "300",
  // The scheduled settle job must not run by itself during the tests.
  PAYMENTOPTIONS_SETTLE_JOB: "off",
}))
const gatewayRefundsOf = (transactionId: string) => refundsOf(sandbox, transactionId)

const MARKER = "paymentoptions_refund"


medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let admin: AuthHeaders

    beforeEach(async () => {
      sandbox.clearFaults()
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

    /** The return's marker once it is final (not in_progress), or null if none appears in time. */
    async function finalMarker(returnId: string, timeoutMs = 15_000) {
      return waitFor(async () => {
        const marker = (await getReturn(api, admin, returnId)).metadata?.[MARKER]
        return marker && marker.status !== "in_progress" ? marker : null
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

      const marker = await finalMarker(returnId)
      // refundPaymentWorkflow emitted payment.refunded, as for the Refund button.
      const events = emitted.mock.calls.flatMap((call) => [call[0]].flat() as any[])
      expect(events).toContainEqual(expect.objectContaining({ name: "payment.refunded", data: { id: payment.id } }))
      emitted.mockRestore()
      expect(marker).toMatchObject({
        status: "succeeded",
        order_id: order.id,
        currency_code: "jpy",
        owed: "5000",
        planned: [{ payment_id: payment.id, amount: "5000" }],
        refunds: [{ payment_id: payment.id, refund_id: expect.stringMatching(/^ref_/), amount: "5000", status: "succeeded" }],
      })
      expect(marker.not_refunded).toBeUndefined()

      // The gateway got one refund of ¥5,000; Medusa has its refund row, the order its refund transaction.
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      const record = await getPayment(api, admin, payment.id)
      expect(record.refunds).toHaveLength(1)
      expect(record.refunds[0]).toMatchObject({ id: marker.refunds[0].refund_id, amount: 5000, note: `Automatic refund for return ${returnId}` })
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
        refundOnReturnReceived({ event, container, pluginOptions: {} }),
        refundOnReturnReceived({ event, container, pluginOptions: {} }),
      ])
      await new Promise((r) => setTimeout(r, 1500))
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(1)
      expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(1)
      expect((await getReturn(api, admin, returnId)).metadata[MARKER]).toEqual(marker)
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
      await Promise.all([1, 2, 3].map(() => refundOnReturnReceived({ event, container, pluginOptions: {} })))
      const marker = await finalMarker(returnId)
      expect(marker).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ amount: "5000", status: "succeeded" }] })
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(1)
      expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(1)
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
      expect((await getReturn(api, admin, returnId)).metadata?.[MARKER]).toBeUndefined()
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(-5000)

      await receiveReturn(api, admin, returnId, [{ id: items[0].id, quantity: 1 }])
      const marker = await finalMarker(returnId)
      expect(marker).toMatchObject({ status: "succeeded", owed: "10000", refunds: [{ payment_id: payment.id, amount: "10000", status: "succeeded" }] })
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
      const m1 = await finalMarker(r1)
      expect(m1).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ payment_id: first.id, amount: "5000", status: "succeeded" }] })

      // Second return: the oldest payment has nothing left, so the second one pays it.
      const r2 = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: units[1], quantity: 1 }] })
      const m2 = await finalMarker(r2)
      expect(m2).toMatchObject({ status: "succeeded", owed: "5000", refunds: [{ payment_id: secondId, amount: "5000", status: "succeeded" }] })

      expect(gatewayRefundsOf(first.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      expect(gatewayRefundsOf(second.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(0)
    })

    it("an order paid with another provider: nothing is refunded by us, the marker says what is left and why", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1, "pp_system_default")
      expect(payment.provider_id).toBe("pp_system_default")
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      const marker = await finalMarker(returnId)
      expect(marker).toMatchObject({
        status: "partial",
        owed: "5000",
        planned: [],
        refunds: [],
        not_refunded: { amount: "5000", payments: [{ payment_id: payment.id, reason: expect.stringContaining("pp_system_default"), refundable: "5000" }] },
      })
      expect((await getPayment(api, admin, payment.id)).refunds).toEqual([])
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(-5000)
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
      const marker = await finalMarker(returnId)
      expect(marker).toMatchObject({ status: "nothing_owed", owed: "0", refunds: [] })
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)
      expect((await getPayment(api, admin, payment.id)).refunds).toEqual([])
    })

    it("a gateway failure: marker failed with the reason, logged with the ids, no refund row, nothing sent twice", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      const logger = getContainer().resolve("logger")
      const errors = jest.spyOn(logger, "error")
      sandbox.addFault({ op: "refund", fault: "decline", transactionId: payment.data.transaction_id })
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })

      const marker = await finalMarker(returnId)
      expect(marker).toMatchObject({
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
      await refundOnReturnReceived({ event, container: getContainer(), pluginOptions: {} })
      const refundRequests = sandbox.requests().filter((r) => r.path.endsWith("/refund") && (r.body as any)?.transactionId === payment.data.transaction_id)
      expect(refundRequests).toHaveLength(1)
      expect((await getReturn(api, admin, returnId)).metadata[MARKER].status).toBe("failed")
    })

    it("a timeout after the gateway committed: the automatic refund is recorded pending, never resent", async () => {
      const { order, payment, items, fulfillment } = await fulfilledOrder(1)
      sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: payment.data.transaction_id, delayMs: 5000 })
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      const marker = await finalMarker(returnId)
      expect(marker).toMatchObject({ status: "succeeded", refunds: [{ payment_id: payment.id, amount: "5000", status: "pending" }] })
      const record = await getPayment(api, admin, payment.id)
      expect(record.data.refunds[marker.refunds[0].refund_id]).toMatchObject({ status: "pending", transaction_id: null })
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(1)

      // The admin list shows it for reconciliation.
      const { data } = await api.get("/admin/paymentoptions/pending-refunds", admin)
      expect(data.payments).toEqual([
        expect.objectContaining({ payment_id: payment.id, order_id: order.id, pending: [expect.objectContaining({ refund_id: marker.refunds[0].refund_id })] }),
      ])
    })
  },
})
