// Original file: src/containerd/proto/snapshots.proto


export interface ListSnapshotsRequest {
  'snapshotter'?: (string);
  'filters'?: (string)[];
}

export interface ListSnapshotsRequest__Output {
  'snapshotter': (string);
  'filters': (string)[];
}
