export * from "./cognito-auth";
export * from "./http-api";
export * from "./log-retention";
export * from "./naming";
export * from "./nodejs-function";
export * from "./route-key";
export * from "./state-bucket";
export * from "./validation";
