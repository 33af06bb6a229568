package planner

import (
	"os"
	"testing"

	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/providers/local/localtest"
	"github.com/tackhq/tack/plugins/sdk"
)

// The planner's tests run the real local provider; its platform's
// supervisor is this test binary (see localtest).
func TestMain(m *testing.M) {
	localtest.SuperviseIfAsked()
	os.Exit(m.Run())
}

// localProvider is the local provider whose platform supervisor is this
// test binary.
func localProvider() *sdk.Provider { return local.New(localtest.Options()) }
