// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, ...) to expect.
const { Testing } = require("cdktf");
Testing.setupJest();
