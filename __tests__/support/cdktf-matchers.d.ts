// Types of the matchers jest.setup.js adds with Testing.setupJest(). cdktf ships them for @types/jest 26-29,
// whose Matchers interface had one type parameter; @types/jest 30 has two.
/** A provider class, such as LambdaFunction: the matchers read its Terraform type. */
type TerraformConstructor = { readonly tfResourceType: string };

declare global {
  namespace jest {
    interface Matchers<R, T = {}> {
      toHaveResource(resourceConstructor: TerraformConstructor): R;
      toHaveResourceWithProperties(resourceConstructor: TerraformConstructor, properties: Record<string, unknown>): R;
      toHaveDataSource(dataSourceConstructor: TerraformConstructor): R;
      toHaveDataSourceWithProperties(dataSourceConstructor: TerraformConstructor, properties: Record<string, unknown>): R;
      toHaveProvider(providerConstructor: TerraformConstructor): R;
      toHaveProviderWithProperties(providerConstructor: TerraformConstructor, properties: Record<string, unknown>): R;
    }
  }
}

export {};
