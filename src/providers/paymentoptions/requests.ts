import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { ResolvedOptions } from "./options"

/**
 * Card data as the storefront posts it to the plugin's card route (never stored: it only travels in memory to the
 * gateway). Field sizes from API.md §3. The shopper's IP is not part of it: the route takes it from the request.
 */
export const cardPaymentSchema = z.strictObject({
  card: z.strictObject({
    number: z.string().regex(/^\d{12,19}$/),
    cvc: z.string().regex(/^\d{3,4}$/),
    expiry_month: z.string().regex(/^(0[1-9]|1[0-2])$/),
    expiry_year: z.string().regex(/^\d{2}$/),
    name: z.string().trim().min(1).max(255),
  }),
  browser_info: z
    .strictObject({
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
})

export type CardPayment = z.infer<typeof cardPaymentSchema>

/** What the card route hands to the provider (in memory, through updatePayment). */
export interface CardPaymentInput extends CardPayment {
  /** The shopper's IP as Medusa's express app sees it (its `trust proxy` setting applies). */
  client_ip: string
}

/** Parses card data; the error names the bad fields and never echoes a value. */
export function parseCardPayment(input: unknown): CardPayment {
  const parsed = cardPaymentSchema.safeParse(input)
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => [...i.path, ...(("keys" in i ? i.keys : []) as string[])].join(".")))]
      .filter(Boolean)
      .join(", ")
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: invalid card data (${fields || "body"}).`)
  }
  return parsed.data
}

export function returnUrls(options: ResolvedOptions, webhookUrl: string) {
  return {
    webhook_url: webhookUrl,
    success_url: options.successUrl,
    decline_url: options.declineUrl,
    cancel_url: options.cancelUrl,
  }
}

export interface PaymentTarget {
  amount: string
  currencyCode: string
  sessionId: string
  webhookUrl: string
  clientIp: string
  /** Ask the gateway for a reusable token (the shopper opted in). */
  storeCard: boolean
}

/** The body of authorizationv2 / paymentv2 with either card data or a saved card token. */
export function cardPaymentBody(
  options: ResolvedOptions,
  payment: PaymentTarget,
  source: { card: CardPayment } | { token: string }
): Record<string, unknown> {
  const common = {
    amount: payment.amount,
    currency: payment.currencyCode.toUpperCase(),
    merchant_id: options.merchantId,
    merchant_txn_ref: payment.sessionId,
    time_zone: options.timeZone,
    customer_ip: payment.clientIp,
    return_url: returnUrls(options, payment.webhookUrl),
  }
  if ("token" in source) {
    return {
      ...common,
      payment_method: { type: "scheme", store_payment_method: true, stored_payment_method_id: source.token },
    }
  }
  const { card, browser_info } = source.card
  return {
    ...common,
    card,
    payment_method: { type: "scheme", store_payment_method: payment.storeCard },
    ...(browser_info ? { browser_info } : {}),
  }
}
