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

/**
 * `transactionEnvelopeSchema.safeParse` without zod's machinery for the answers the gateway actually sends (every
 * money call and status lookup parses one, so this is on every refund's path). It returns exactly what the schema
 * returns (same keys in the same order, same values) for a body whose fields already have their plain types, and
 * undefined for anything else, which the schema then parses (coercions, `additional_data`, errors). Held to the
 * schema by __tests__/envelope-fast-path.spec.ts: change the two together.
 */
export function parseTransactionEnvelope(body: unknown): { success: true; data: TransactionEnvelope } | ReturnType<typeof transactionEnvelopeSchema.safeParse> {
  const data = plainTransactionEnvelope(body)
  return data ? { success: true, data } : transactionEnvelopeSchema.safeParse(body)
}

/** The schema's result for a body whose fields already have their plain types; undefined for any other body. */
export function plainTransactionEnvelope(body: unknown): TransactionEnvelope | undefined {
  // Written out field by field (same order as the schema): a generic walk over the shape costs several times more.
  if (!isPlainObject(body)) return undefined
  const b = body as Record<string, any>
  const out: Record<string, unknown> = {}
  if (!("success" in b) || typeof b.success !== "boolean") return undefined
  out.success = b.success
  if ("status_code" in b) {
    if (!nullishInt(b.status_code)) return undefined
    out.status_code = b.status_code
  }
  if ("is_live" in b) {
    if (!nullishFlag(b.is_live)) return undefined
    out.is_live = b.is_live
  }
  if ("transaction_type" in b) {
    if (!nullishText(b.transaction_type)) return undefined
    out.transaction_type = b.transaction_type
  }
  if (!("gateway_response" in b)) return undefined
  const gateway = gatewayResponse(b.gateway_response)
  if (gateway === NOT_PLAIN) return undefined
  out.gateway_response = gateway
  if ("merchant_details" in b) {
    const v = nullishObject(b.merchant_details, merchantDetails)
    if (v === NOT_PLAIN) return undefined
    out.merchant_details = v
  }
  if ("payment_details" in b) {
    const v = nullishObject(b.payment_details, paymentDetails)
    if (v === NOT_PLAIN) return undefined
    out.payment_details = v
  }
  if ("transaction_details" in b) {
    const v = nullishObject(b.transaction_details, transactionDetails)
    if (v === NOT_PLAIN) return undefined
    out.transaction_details = v
  }
  return out as TransactionEnvelope
}

const NOT_PLAIN = Symbol("not plain")
type Plain = Record<string, unknown> | typeof NOT_PLAIN

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const isNullish = (v: unknown) => v === null || v === undefined
const nullishText = (v: unknown) => isNullish(v) || typeof v === "string"
const nullishFlag = (v: unknown) => isNullish(v) || typeof v === "boolean"
/** z.coerce.number().int(): only numbers that need no coercion. */
const nullishInt = (v: unknown) => isNullish(v) || (typeof v === "number" && Number.isSafeInteger(v))
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v)
const AMOUNT = /^-?\d+(\.\d+)?$/
const NO_VALUE = Symbol("no value")

function nullishObject(v: unknown, read: (o: Record<string, any>) => Plain): unknown {
  if (isNullish(v)) return v
  return isPlainObject(v) ? read(v) : NOT_PLAIN
}

function gatewayResponse(v: unknown): Plain {
  if (!isPlainObject(v)) return NOT_PLAIN
  const o = v as Record<string, any>
  const out: Record<string, unknown> = {}
  if ("version" in o) {
    if (!nullishText(o.version)) return NOT_PLAIN
    out.version = o.version
  }
  if ("type" in o) {
    if (!nullishText(o.type)) return NOT_PLAIN
    out.type = o.type
  }
  if ("message" in o) {
    if (!nullishText(o.message)) return NOT_PLAIN
    out.message = o.message
  }
  if (!("code" in o) || typeof o.code !== "string" || o.code.length < 1) return NOT_PLAIN
  out.code = o.code
  return out
}

function merchantDetails(o: Record<string, any>): Plain {
  const out: Record<string, unknown> = {}
  if ("legal_name" in o) {
    if (!nullishText(o.legal_name)) return NOT_PLAIN
    out.legal_name = o.legal_name
  }
  if ("mid" in o) {
    if (!nullishText(o.mid)) return NOT_PLAIN
    out.mid = o.mid
  }
  if ("merchant_txn_ref" in o) {
    if (!nullishText(o.merchant_txn_ref)) return NOT_PLAIN
    out.merchant_txn_ref = o.merchant_txn_ref
  }
  return out
}

function paymentDetails(o: Record<string, any>): Plain {
  const out: Record<string, unknown> = {}
  if ("amount" in o) {
    // z.union([z.number().finite(), z.string().trim().regex(…)]): a string comes back trimmed.
    const v = o.amount
    if (isNullish(v) || finite(v)) out.amount = v
    else if (typeof v === "string" && AMOUNT.test(v.trim())) out.amount = v.trim()
    else return NOT_PLAIN
  }
  if ("response_code" in o) {
    if (!nullishInt(o.response_code)) return NOT_PLAIN
    out.response_code = o.response_code
  }
  for (const key of TEXT_PAYMENT_KEYS) {
    if (key in o) {
      if (!nullishText(o[key])) return NOT_PLAIN
      out[key] = o[key]
    }
  }
  if ("card" in o) {
    const v = nullishObject(o.card, card)
    if (v === NOT_PLAIN) return NOT_PLAIN
    out.card = v
  }
  if ("additional_data" in o) {
    const v = isNullish(o.additional_data) ? o.additional_data : jsonRecord(o.additional_data)
    if (v === NOT_PLAIN) return NOT_PLAIN
    out.additional_data = v
  }
  return out
}

const TEXT_PAYMENT_KEYS = ["responseDescription", "auth_code", "currency", "payment_method", "scheme"] as const

/** z.union([z.string(), z.number()]).transform(String) */
function digitsValue(v: unknown): unknown {
  return isNullish(v) || typeof v === "string" ? v : finite(v) ? String(v) : NO_VALUE
}

function card(o: Record<string, any>): Plain {
  const out: Record<string, unknown> = {}
  if ("name" in o) {
    if (!nullishText(o.name)) return NOT_PLAIN
    out.name = o.name
  }
  if ("number" in o) {
    if (!nullishText(o.number)) return NOT_PLAIN
    out.number = o.number
  }
  if ("exp_month" in o) {
    const v = digitsValue(o.exp_month)
    if (v === NO_VALUE) return NOT_PLAIN
    out.exp_month = v
  }
  if ("exp_year" in o) {
    const v = digitsValue(o.exp_year)
    if (v === NO_VALUE) return NOT_PLAIN
    out.exp_year = v
  }
  return out
}

function transactionDetails(o: Record<string, any>): Plain {
  const out: Record<string, unknown> = {}
  if (!("id" in o) || typeof o.id !== "string" || o.id.length < 1 || o.id.length > 64) return NOT_PLAIN
  out.id = o.id
  if ("ref" in o) {
    const v = o.ref
    if (!(isNullish(v) || finite(v) || typeof v === "string")) return NOT_PLAIN
    out.ref = v
  }
  if ("timestamp" in o) {
    if (!nullishText(o.timestamp)) return NOT_PLAIN
    out.timestamp = o.timestamp
  }
  if ("merchant_txn_ref" in o) {
    if (!nullishText(o.merchant_txn_ref)) return NOT_PLAIN
    out.merchant_txn_ref = o.merchant_txn_ref
  }
  return out
}

/**
 * z.record(z.string(), z.unknown()) of an object as JSON.parse makes them (a plain prototype, own enumerable string
 * keys): a copy with the same keys and values. Any other object is left to the schema.
 */
function jsonRecord(v: unknown): Plain {
  if (!isPlainObject(v) || Object.getPrototypeOf(v) !== Object.prototype) return NOT_PLAIN
  const own = Object.prototype.hasOwnProperty
  if (own.call(v, "constructor") || own.call(v, "__proto__") || Object.getOwnPropertySymbols(v).length) return NOT_PLAIN
  const keys = Object.keys(v)
  // Non-enumerable keys (never in JSON) are left to the schema, whose handling of them differs between zod versions.
  if (Object.getOwnPropertyNames(v).length !== keys.length) return NOT_PLAIN
  const out: Record<string, unknown> = {}
  for (const key of keys) out[key] = v[key]
  return out
}
