// Broken on purpose: src/gateways/ imports src/storage/ and src/delivery/ (gateways-not-to-http-storage-delivery).
import { send } from "../../delivery/send";
import { orderStub } from "../../storage/order-object";
// Allowed: the gateways' own HTTP helper, from a gateway's folder.
import { callGateway } from "../http";

export const routes = [send, orderStub, callGateway];
