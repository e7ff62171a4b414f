// Original file: src/containerd/proto/content.proto


export interface ListStatusesRequest {
  'filters'?: (string)[];
}

export interface ListStatusesRequest__Output {
  'filters': (string)[];
}
