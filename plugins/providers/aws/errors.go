package aws

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aws/smithy-go"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// describeError says what an AWS call's error was in one sentence: the
// service and operation, AWS's error code and message, without the SDK's
// request ids and retry counts.
//
//	ec2 RunInstances: InvalidAMIID.NotFound: The image id '[ami-1]' does not exist
func describeError(err error) string {
	var (
		op  *smithy.OperationError
		api smithy.APIError
	)
	where := ""
	if errors.As(err, &op) {
		where = op.Service() + " " + op.Operation() + ": "
	}
	if errors.As(err, &api) {
		return where + api.ErrorCode() + ": " + api.ErrorMessage()
	}
	if op != nil {
		return where + op.Err.Error()
	}
	return err.Error()
}

// errorCode is AWS's code for err ("InvalidGroup.NotFound"), or "".
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// isCode reports whether err is an AWS error with one of codes.
func isCode(err error, codes ...string) bool {
	return err != nil && slices.Contains(codes, errorCode(err))
}

// apiDiag is a failed AWS call as a diagnostic, about the attribute at
// path when the error concerns one (nil: the object as a whole). what
// says what tack was doing: "creating security group web".
func apiDiag(what string, err error, path cty.Path) sdk.Diagnostic {
	summary := "AWS error"
	if code := errorCode(err); code != "" {
		summary = "AWS error " + code
	}
	detail := fmt.Sprintf("While %s: %s.", what, describeError(err))
	if path != nil {
		return sdk.AttributeErrorf(path, summary, "%s", detail)
	}
	return sdk.Errorf(summary, "%s", detail)
}
