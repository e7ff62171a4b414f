// Original file: src/containerd/proto/tasks.proto


export interface GetRequest {
  'containerId'?: (string);
  'execId'?: (string);
}

export interface GetRequest__Output {
  'containerId': (string);
  'execId': (string);
}
