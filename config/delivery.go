package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	// Windows name IANA time zones; embedding the database makes their
	// checks the same on every machine, whatever it has installed.
	_ "time/tzdata"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// DeliverySettings are a delivery policy's blocks: the strategy's own
// settings and the health gate, rollback and window every strategy
// shares. Values stay expressions (a policy may use variables); constant
// ones are checked when the policy is loaded.
type DeliverySettings struct {
	RedBlack *SettingsBlock
	Rolling  *SettingsBlock
	Canary   *SettingsBlock
	// Analysis is canary { analysis { … } }: how canary and baseline are
	// compared.
	Analysis *SettingsBlock
	Health   *SettingsBlock
	Rollback *SettingsBlock
	Window   *SettingsBlock
}

// SettingsBlock is one settings block: its arguments by name.
type SettingsBlock struct {
	Attrs     map[string]hcl.Expression
	DeclRange hcl.Range
}

// Get returns the named argument's expression, or nil.
func (b *SettingsBlock) Get(name string) hcl.Expression {
	if b == nil {
		return nil
	}
	return b.Attrs[name]
}

// settingKind is how a setting's constant value is checked.
type settingKind int

const (
	durationSetting settingKind = iota + 1
	percentSetting              // 0 to 100
	positiveIntSetting
	boolSetting
	fractionSetting // 0 to 1
	percentListSetting
	daysSetting
	hoursSetting
	timeZoneSetting
)

// deliveryBlocks is the shape of a delivery_policy's settings, with how
// each argument is checked.
var deliveryBlocks = map[string]map[string]settingKind{
	"red_black": {
		"delay_before_disable": durationSetting, "max_remaining_server_groups": positiveIntSetting,
		"scale_down": boolSetting, "scale_down_delay": durationSetting,
	},
	"rolling": {"steps": percentListSetting, "delay_between_steps": durationSetting},
	"canary":  {"weight": percentSetting, "duration": durationSetting},
	"health":  {"min_healthy_percent": percentSetting, "healthy_deadline": durationSetting},
	"rollback": {
		"on_failure": boolSetting, "keep_failed_server_group": boolSetting,
	},
	"window": {"days": daysSetting, "hours": hoursSetting, "time_zone": timeZoneSetting},
}

var analysisBlock = map[string]settingKind{
	"interval": durationSetting, "confidence": fractionSetting, "max_error_ratio": fractionSetting,
	"pass_score": percentSetting, "marginal_score": percentSetting,
	"max_latency_increase": fractionSetting, "min_latency_increase": durationSetting,
}

// strategyBlock is the settings block that belongs to each strategy.
var strategyBlock = map[string]string{"red_black": "red_black", "rolling": "rolling", "canary": "canary", "highlander": "red_black"}

func settingsSchema(kinds map[string]settingKind) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, name := range sortedKeys(kinds) {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name})
	}
	return s
}

var deliveryBodySchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, name := range sortedKeys(deliveryBlocks) {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: name})
	}
	return s
}()

// decodeDeliverySettings decodes a policy's body after its strategy.
func decodeDeliverySettings(d *DeliveryPolicy, strategy string) hcl.Diagnostics {
	content, diags := d.Body.Content(deliveryBodySchema)
	blocks, bdiags := uniqueBlocks(content.Blocks, "delivery policy")
	diags = append(diags, bdiags...)
	for _, b := range blocks {
		kinds := deliveryBlocks[b.Type]
		schema := settingsSchema(kinds)
		if b.Type == "canary" {
			schema.Blocks = []hcl.BlockHeaderSchema{{Type: "analysis"}}
		}
		bc, bdiags := b.Body.Content(schema)
		diags = append(diags, bdiags...)
		sb := &SettingsBlock{Attrs: map[string]hcl.Expression{}, DeclRange: b.DefRange}
		for name, attr := range bc.Attributes {
			sb.Attrs[name] = attr.Expr
			diags = append(diags, checkSetting(attr, kinds[name])...)
		}
		for i, ab := range bc.Blocks { // canary's analysis
			if i > 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate analysis block",
					Detail:   "A canary has one analysis block; merge the two.",
					Subject:  ab.DefRange.Ptr(),
				})
				continue
			}
			ac, adiags := ab.Body.Content(settingsSchema(analysisBlock))
			diags = append(diags, adiags...)
			d.Settings.Analysis = &SettingsBlock{Attrs: map[string]hcl.Expression{}, DeclRange: ab.DefRange}
			for name, attr := range ac.Attributes {
				d.Settings.Analysis.Attrs[name] = attr.Expr
				diags = append(diags, checkSetting(attr, analysisBlock[name])...)
			}
		}
		switch b.Type {
		case "red_black":
			d.Settings.RedBlack = sb
		case "rolling":
			d.Settings.Rolling = sb
		case "canary":
			d.Settings.Canary = sb
		case "health":
			d.Settings.Health = sb
		case "rollback":
			d.Settings.Rollback = sb
		case "window":
			d.Settings.Window = sb
		}
		// A strategy's settings under another strategy are a mistake a
		// reviewer should not have to spot.
		if owner := b.Type; (owner == "red_black" || owner == "rolling" || owner == "canary") && strategy != "" && strategyBlock[strategy] != owner {
			if !(owner == "red_black" && strategy == "canary") { // a canary is promoted by red/black
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Settings for another strategy",
					Detail:   fmt.Sprintf("This policy's strategy is %q, so its %s block would have no effect. Remove the block, or change the strategy.", strategy, owner),
					Subject:  b.DefRange.Ptr(),
				})
			}
		}
	}
	return diags
}

var (
	hoursPattern = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$`)
	weekdays     = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

// checkSetting checks a constant value against its kind; expressions
// with references are checked when they are evaluated.
func checkSetting(attr *hcl.Attribute, kind settingKind) hcl.Diagnostics {
	v, ok := constantValue(attr.Expr)
	if !ok || v.IsNull() {
		return nil // not constant: checked when it is evaluated
	}
	bad := func(format string, args ...any) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid " + attr.Name,
			Detail:   fmt.Sprintf(format, args...),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	str := func() (string, bool) {
		s, err := convert.Convert(v, cty.String)
		if err != nil {
			return "", false
		}
		return s.AsString(), true
	}
	num := func() (float64, bool) {
		n, err := convert.Convert(v, cty.Number)
		if err != nil {
			return 0, false
		}
		f, _ := n.AsBigFloat().Float64()
		return f, true
	}
	switch kind {
	case durationSetting:
		s, ok := str()
		if d, err := time.ParseDuration(s); !ok || err != nil || d < 0 {
			return bad("%s is a duration such as \"30s\", \"5m\" or \"1h30m\".", attr.Name)
		}
	case percentSetting:
		if f, ok := num(); !ok || f < 0 || f > 100 {
			return bad("%s is a percentage, a number from 0 to 100.", attr.Name)
		}
	case fractionSetting:
		if f, ok := num(); !ok || f < 0 || f > 1 {
			return bad("%s is a fraction, a number from 0 to 1 (0.98 for 98%%).", attr.Name)
		}
	case positiveIntSetting:
		if f, ok := num(); !ok || f < 1 || f != float64(int64(f)) {
			return bad("%s is a whole number of at least 1.", attr.Name)
		}
	case boolSetting:
		if _, err := convert.Convert(v, cty.Bool); err != nil {
			return bad("%s is true or false.", attr.Name)
		}
	case percentListSetting:
		l, err := convert.Convert(v, cty.List(cty.Number))
		if err != nil || l.LengthInt() == 0 || hasNullElement(l) {
			return bad("%s is a list of percentages of capacity, rising to 100, such as [25, 50, 100].", attr.Name)
		}
		prev := 0.0
		for _, e := range l.AsValueSlice() {
			f, _ := e.AsBigFloat().Float64()
			if f <= prev || f > 100 {
				return bad("%s must rise step by step and end at 100, such as [25, 50, 100].", attr.Name)
			}
			prev = f
		}
		if prev != 100 {
			return bad("%s must end at 100, so that the new server group takes all the capacity.", attr.Name)
		}
	case daysSetting:
		l, err := convert.Convert(v, cty.List(cty.String))
		if err != nil || hasNullElement(l) {
			return bad("days is a list of weekdays: %s.", strings.Join(weekdays, ", "))
		}
		for _, e := range l.AsValueSlice() {
			if !contains(weekdays, e.AsString()) {
				return bad("%q is not a weekday.%s Use %s.", e.AsString(), Suggest(e.AsString(), weekdays), strings.Join(weekdays, ", "))
			}
		}
	case hoursSetting:
		if s, ok := str(); !ok || !hoursPattern.MatchString(s) {
			return bad("hours is a span of the day as HH:MM-HH:MM in 24-hour time, such as \"09:00-16:00\".")
		}
	case timeZoneSetting:
		s, ok := str()
		if _, err := time.LoadLocation(s); !ok || err != nil {
			return bad("%q is not a time zone this machine knows; use an IANA name such as \"America/Los_Angeles\" or \"UTC\".", s)
		}
	}
	return nil
}

func hasNullElement(l cty.Value) bool {
	for it := l.ElementIterator(); it.Next(); {
		if _, e := it.Element(); e.IsNull() {
			return true
		}
	}
	return false
}
