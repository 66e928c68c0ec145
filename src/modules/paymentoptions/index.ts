import { Module } from "@medusajs/framework/utils"
import warnMisplacedOptions from "./loaders/warn-misplaced-options"
import PaymentOptionsModuleService from "./service"

export const PAYMENTOPTIONS_MODULE = "paymentoptions"

export default Module(PAYMENTOPTIONS_MODULE, {
  service: PaymentOptionsModuleService,
  loaders: [warnMisplacedOptions],
})
