/** Helpers for podkit's own tests (`@podkit/runtime/testing`): not part of the runtime's API. */
export { canBind, freeHostPort, freeHostPorts } from './host-port.js';
export { reserveTestSubnet } from './test-subnet.js';
export { hostResources, proxyTableName } from './host-resources.js';
