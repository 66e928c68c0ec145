import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { ResolvedOptions } from "./options"

/**
 * Card data as the plugin's store route passes it to `updatePayment` (never stored: it only travels
 * in memory to the gateway). Field sizes from API.md §3.
 */
export const cardPaymentSchema = z.object({
  card: z.object({
    number: z.string().regex(/^\d{12,19}$/),
    cvc: z.string().regex(/^\d{3,4}$/),
    expiry_month: z.string().regex(/^(0[1-9]|1[0-2])$/),
    expiry_year: z.string().regex(/^\d{2}$/),
    name: z.string().trim().min(1).max(255),
  }),
  browser_info: z
    .object({
      acceptHeader: z.string().max(2048),
      screenColorDepth: z.string().max(8),
      javaEnabled: z.boolean(),
      language: z.string().max(35),
      screenHeight: z.string().max(8),
      screenWidth: z.string().max(8),
      challengeWindow: z.string().max(8),
      userAgent: z.string().max(2048),
    })
    .partial()
    .optional(),
  customer_ip: z.string().max(45).optional(),
  /** Ask the gateway for a reusable token (returned as `stored_payment_method_id`). */
  store_card: z.boolean().optional(),
})

export type CardPayment = z.infer<typeof cardPaymentSchema>

/** Parses card data; the error names the bad fields and never echoes a value. */
export function parseCardPayment(input: unknown): CardPayment {
  const parsed = cardPaymentSchema.safeParse(input)
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ")
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: invalid card data (${fields}).`)
  }
  return parsed.data
}

// Keys under which a storefront might put card data into session data by mistake.
const CARD_KEYS = ["card", "card_number", "cardNumber", "number", "cvc", "cvv", "card_payment", "pan"]

/** Card data must never enter payment-session data: Medusa stores that data as it is. */
export function assertNoCardData(data: Record<string, unknown> | undefined): void {
  const found = CARD_KEYS.filter((key) => data && key in data)
  if (found.length) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: card data must not be sent in payment-session data (found ${found.join(", ")}); ` +
        "send it to POST /store/paymentoptions/payment-sessions/:id/card, or pay on the hosted page."
    )
  }
}

export function returnUrls(options: ResolvedOptions) {
  return {
    webhook_url: options.hookUrl,
    success_url: options.successUrl,
    decline_url: options.declineUrl,
    cancel_url: options.cancelUrl,
  }
}

/** The body of authorizationv2 / paymentv2 with either a card or a saved card token. */
export function cardPaymentBody(
  options: ResolvedOptions,
  payment: { amount: string; currencyCode: string; sessionId: string },
  source: { card: CardPayment } | { token: string; customer_ip?: string }
): Record<string, unknown> {
  const common = {
    amount: payment.amount,
    currency: payment.currencyCode.toUpperCase(),
    merchant_id: options.merchantId,
    merchant_txn_ref: payment.sessionId,
    time_zone: options.timeZone,
    return_url: returnUrls(options),
  }
  if ("token" in source) {
    return {
      ...common,
      customer_ip: source.customer_ip ?? "127.0.0.1",
      payment_method: { type: "scheme", store_payment_method: true, stored_payment_method_id: source.token },
    }
  }
  const { card, browser_info, customer_ip, store_card } = source.card
  return {
    ...common,
    customer_ip: customer_ip ?? "127.0.0.1",
    card,
    payment_method: { type: "scheme", store_payment_method: !!store_card },
    ...(browser_info ? { browser_info } : {}),
  }
}
