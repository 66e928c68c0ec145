import { z } from "zod"

// Responses are parsed leniently where the docs disagree (number vs string, optional blocks,
// both `risk_details` spellings) and strictly where money depends on it (ids, codes, amounts).
// Unknown keys are dropped: nothing here is stored as the gateway sent it.
const amount = z.union([z.number().finite(), z.string().trim().regex(/^-?\d+(\.\d+)?$/)])
const digits = z.union([z.string(), z.number()]).transform((v) => String(v))

export const cardSchema = z
  .object({
    name: z.string().nullish(),
    number: z.string().nullish(),
    exp_month: digits.nullish(),
    exp_year: digits.nullish(),
  })
  

export const gatewayResponseSchema = z
  .object({
    version: z.string().nullish(),
    type: z.string().nullish(),
    message: z.string().nullish(),
    code: z.string().min(1),
  })
  

export const transactionEnvelopeSchema = z
  .object({
    success: z.boolean(),
    status_code: z.coerce.number().int().nullish(),
    is_live: z.boolean().nullish(),
    transaction_type: z.string().nullish(),
    gateway_response: gatewayResponseSchema,
    merchant_details: z
      .object({
        legal_name: z.string().nullish(),
        mid: z.string().nullish(),
        merchant_txn_ref: z.string().nullish(),
      })
      
      .nullish(),
    payment_details: z
      .object({
        amount: amount.nullish(),
        response_code: z.coerce.number().int().nullish(),
        responseDescription: z.string().nullish(),
        auth_code: z.string().nullish(),
        currency: z.string().nullish(),
        payment_method: z.string().nullish(),
        scheme: z.string().nullish(),
        card: cardSchema.nullish(),
        additional_data: z.record(z.string(), z.unknown()).nullish(),
      })
      
      .nullish(),
    transaction_details: z
      .object({
        id: z.string().min(1).max(64),
        ref: z.union([z.number(), z.string()]).nullish(),
        timestamp: z.string().nullish(),
        merchant_txn_ref: z.string().nullish(),
      })
      
      .nullish(),
  })
  

export type TransactionEnvelope = z.infer<typeof transactionEnvelopeSchema>

/** A success must name the transaction it created; money follows that id. */
export const successEnvelopeSchema = transactionEnvelopeSchema.extend({
  success: z.literal(true),
  transaction_details: transactionEnvelopeSchema.shape.transaction_details.unwrap().unwrap(),
})

/** Failure bodies are undocumented (API.md §6): accept the envelope, `{message}`, `{error}` or portal-style `{messageCode}`. */
export const failureBodySchema = z
  .object({
    success: z.boolean().nullish(),
    message: z.string().nullish(),
    error: z.union([z.string(), z.object({ message: z.string().nullish() })]).nullish(),
    messageCode: z.string().nullish(),
    gateway_response: gatewayResponseSchema.partial().nullish(),
    payment_details: z
      .object({ response_code: z.coerce.number().int().nullish() })
      
      .nullish(),
    transaction_details: z.object({ id: z.string().min(1).max(64).nullish() }).nullish(),
  })
  

export type FailureBody = z.infer<typeof failureBodySchema>

export const hppLinkSchema = z
  .object({
    id: z.string().min(1).max(64),
    url: z.string().url(),
    amount: amount.nullish(),
    currency: z.string().nullish(),
    merchant_txn_ref: z.string().nullish(),
  })
  

export type HppLink = z.infer<typeof hppLinkSchema>

/**
 * A 3-D Secure challenge answer of paymentv2/authorizationv2 (API.md §5.3): the shopper must open
 * `redirect_url`. Whether it names the transaction is undocumented, so the id is optional.
 */
export const threeDsChallengeSchema = z.object({
  success: z.boolean().nullish(),
  redirect_url: z.url(),
  url: z.string().nullish(),
  transaction_details: z.object({ id: z.string().min(1).max(64).nullish() }).nullish(),
})

export type ThreeDsChallenge = z.infer<typeof threeDsChallengeSchema>
