// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, ...) to expect.
const { Testing } = require("cdktf");
Testing.setupJest();

// The AWS SDK clients of the emulator tests would print, once per test file, that Node 20 is past its end of life.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
