/** The faas-provider wire types (../shared/PROVIDER-API.md); field names exact. */
export interface FunctionResources {
  memory?: string;
  cpu?: string;
}

export interface FunctionDeployment {
  service: string;
  image: string;
  namespace?: string;
  envProcess?: string;
  envVars?: Record<string, string>;
  constraints?: string[];
  secrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: FunctionResources;
  requests?: FunctionResources;
  readOnlyRootFilesystem?: boolean;
}

/** A function's desired and ready replicas: what scale from zero needs of it (no memory, no spec). */
export interface Availability {
  replicas: number;
  available: number;
}

/** List/describe: every FunctionDeployment field, `name` instead of `service`, plus the live counts. */
export interface FunctionStatus extends Omit<FunctionDeployment, 'service'> {
  name: string;
  invocationCount: number;
  replicas: number;
  availableReplicas: number;
  createdAt?: string;
  usage?: { cpu?: number; totalMemoryBytes?: number };
}

export interface ScaleServiceRequest {
  serviceName?: string;
  replicas: number;
  namespace?: string;
}

export interface DeleteFunctionRequest {
  functionName: string;
  namespace?: string;
}

export interface SecretRequest {
  name: string;
  namespace?: string;
  value?: string;
  rawValue?: string;
}

export interface NamespaceRequest {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
