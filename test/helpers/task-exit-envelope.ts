import { join } from 'node:path';
import protobuf from 'protobufjs';
import { protoDir } from '../../src/containerd/grpc.js';

let taskExit: protobuf.Type | undefined;

/**
 * A containerd event envelope for a task exit, encoded as containerd sends it: what a FakeEventSource
 * stream carries. `processId` defaults to the container's ID (the task itself, not an exec).
 */
export function taskExitEnvelope(e: {
  namespace: string;
  containerId: string;
  exitStatus: number;
  processId?: string;
}): object {
  taskExit ??= protobuf
    .loadSync(join(protoDir(), 'event-types.proto'))
    .lookupType('containerd.events.TaskExit');
  const value = taskExit
    .encode(
      taskExit.create({
        containerId: e.containerId,
        id: e.processId ?? e.containerId,
        exitStatus: e.exitStatus,
      }),
    )
    .finish();
  return {
    namespace: e.namespace,
    topic: '/tasks/exit',
    event: { type_url: 'containerd.events.TaskExit', value: Buffer.from(value) },
  };
}
