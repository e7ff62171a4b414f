// Original file: src/containerd/proto/snapshots.proto


export interface MountsRequest {
  'snapshotter'?: (string);
  'key'?: (string);
}

export interface MountsRequest__Output {
  'snapshotter': (string);
  'key': (string);
}
