/** Where the daemon's gateway listens: the bind address's port, and `gateway:8080` on the bridge. */
export function gatewayAddresses(
  bind: string,
  port: number,
  bridgeGateway: string,
): { host: string; port: number }[] {
  const all = [{ host: bind, port }];
  // Functions call `gateway:8080` (the hosts file names the bridge gateway), and Prometheus scrapes it:
  // a wildcard bind on 8080 covers the bridge already; anything else needs its own server there.
  const covered = (bind === '0.0.0.0' || bind === '::' || bind === bridgeGateway) && port === 8080;
  if (!covered) all.push({ host: bridgeGateway, port: 8080 });
  return all;
}

/**
 * The provider API: loopback on the configured port (faas-cli, scripts), and `faasd-provider:8081` on
 * the bridge, where an upstream gateway container and Prometheus reach it by name.
 */
export function providerAddresses(port: number, bridgeGateway: string): { host: string; port: number }[] {
  return [
    { host: '127.0.0.1', port },
    { host: bridgeGateway, port: 8081 },
  ];
}
