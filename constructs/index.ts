export * from "./cognito-auth";
export * from "./http-api";
export * from "./naming";
export * from "./nodejs-function";
export * from "./route-key";
export * from "./validation";
