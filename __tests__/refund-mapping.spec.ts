import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"

// Narrow unit test: the gateway client is replaced to observe the request the service builds.
// The behaviour against a real HTTP gateway is proven in integration-tests/gateway.
const logger = { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() } as any

function service(refund: jest.Mock) {
  const svc = new PaymentOptionsProviderService(
    { logger },
    { apiKey: "k", xApiKey: "x", merchantId: "JP00000001", baseUrl: "http://127.0.0.1:1", refundSettleTimeoutMs: 0 }
  )
  ;(svc as any).client_ = { refund, getTransactionStatus: jest.fn() }
  return svc
}

const ok = (amount: number) => ({
  success: true,
  transaction_type: "REFUND",
  gateway_response: { code: "INFO0002", message: "Amount successfully refunded." },
  payment_details: { amount, response_code: 0, currency: "JPY" },
  transaction_details: { id: "refund-txn-1", ref: 74825, timestamp: "2026-11-28T00:00:00.000Z" },
})

const stored = {
  session_id: "payses_1",
  currency_code: "jpy",
  amount: "5000",
  authorization_id: "preauth-id",
  transaction_id: "capture-id",
  card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
  custom_key: { nested: true },
}

describe("refundPayment request mapping", () => {
  it("refunds the captured transaction (not the PRE_AUTH) in major units and carries the Medusa refund id", async () => {
    const refund = jest.fn().mockResolvedValue(ok(1200))
    const out = await service(refund).refundPayment({
      data: stored,
      amount: { value: "1200", precision: 20 },
      context: { idempotency_key: "ref_01ABC" },
    })
    expect(refund).toHaveBeenCalledWith({
      transactionId: "capture-id",
      amount: "1200",
      merchant_id: "JP00000001",
      notes: "Medusa refund ref_01ABC",
    })
    expect(out.data).toMatchObject({ ...stored, refunded_amount: "1200" })
    expect(out.data!.refunds).toEqual({
      ref_01ABC: {
        ref: "74825",
        transaction_id: "refund-txn-1",
        status: "succeeded",
        amount: "1200",
        currency_code: "jpy",
        code: "INFO0002",
        message: "Amount successfully refunded.",
        created_at: "2026-11-28T00:00:00.000Z",
      },
    })
  })

  it("adds to the running total across partial refunds", async () => {
    const refund = jest.fn().mockResolvedValue(ok(800))
    const first = { ref_1: { ref: "1", transaction_id: "r1", status: "succeeded", amount: "1200", currency_code: "jpy", code: "INFO0002", message: null, created_at: "t" } }
    const out = await service(refund).refundPayment({
      data: { ...stored, refunds: first, refunded_amount: "1200" },
      amount: 800,
      context: { idempotency_key: "ref_2" },
    })
    expect(out.data!.refunded_amount).toBe("2000")
    expect(Object.keys(out.data!.refunds as object)).toEqual(["ref_1", "ref_2"])
  })

  it.each([
    ["no transaction id", { ...stored, transaction_id: undefined }, 100, "no captured PaymentOptions transaction"],
    ["a zero amount", stored, 0, "a refund must be positive"],
    ["a negative amount", stored, -5, "a refund must be positive"],
    ["an amount that rounds to zero", stored, 0.4, "a refund must be positive"],
    ["more than the remainder", { ...stored, refunded_amount: "4500", refunds: { r: { ref: "1", transaction_id: "t", status: "succeeded", amount: "4500", currency_code: "jpy" } } }, 501, "only 500 remains refundable"],
    ["an unknown currency", { ...stored, currency_code: "xyz" }, 100, 'unknown currency "xyz"'],
    ["no currency", { ...stored, currency_code: undefined }, 100, "no currency_code"],
    ["a pending refund without a gateway id", { ...stored, refunds: { r: { ref: null, transaction_id: null, status: "pending", amount: "10", currency_code: "jpy" } } }, 100, "still has an unknown outcome"],
  ])("refuses %s before calling the gateway", async (_, data, amount, message) => {
    const refund = jest.fn()
    await expect(
      service(refund).refundPayment({ data: data as any, amount, context: { idempotency_key: "ref_x" } })
    ).rejects.toThrow(message)
    expect(refund).not.toHaveBeenCalled()
  })
})
