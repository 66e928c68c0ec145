/**
 * Small helpers for the plugin's admin routes: zod validation with a readable 400, and MedusaErrors turned
 * into clear 4xx answers (Medusa's own error handler replaces a CONFLICT's message with a generic one).
 */
import type { MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.length ? `"${issue.path.join(".")}"` : what}: ${issue.message}`)
      .join("; ")
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Invalid ${what}: ${problems}.`)
  }
  return parsed.data
}

const STATUS: Record<string, number> = {
  [MedusaError.Types.NOT_FOUND]: 404,
  [MedusaError.Types.INVALID_DATA]: 400,
  [MedusaError.Types.NOT_ALLOWED]: 400,
  [MedusaError.Types.CONFLICT]: 409,
}

/** Answers a MedusaError of a known 4xx type itself; anything else goes to Medusa's error handler. */
export async function answering(res: MedusaResponse, work: () => Promise<unknown>): Promise<void> {
  try {
    res.json(await work())
  } catch (error) {
    const status = error instanceof MedusaError ? STATUS[error.type] : undefined
    if (!status) throw error
    res.status(status).json({ type: (error as MedusaError).type, message: (error as MedusaError).message })
  }
}
